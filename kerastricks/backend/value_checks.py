"""Data-dependent value checks that fail inside compiled steps too.

The backend need `checked_values(valid, values, message)`: one
implementation per backend, in `kerastricks/backend/<name>/value_checks.py`,
returning `values` and raising a `ValueError` built by
`invalid_values_error` when any entry of the boolean tensor `valid` is
false. Callers compute with the returned tensor, so that a graph runs the
check before the ops that consume `values`:

- JAX: a `jax.debug.callback` inside a traced function (the error arrives
  wrapped in JAX's runtime error, with this message), a plain check on
  concrete arrays;
- TensorFlow: `tf.debugging.Assert` inside a `tf.function` (an
  `InvalidArgumentError` with this message), which the returned tensor
  depends on: without that dependency an op consuming `values` (a sparse
  cross-entropy rejecting the same ids) may fail first with its own
  message. XLA drops assertions, so in
  an XLA-compiled step the check warns once that it cannot run;
- torch: a plain check, which `torch.compile` runs at a graph break.
"""

import importlib

import keras
import numpy as np


def invalid_values_error(valid, values, message):
    """The `ValueError` for the entries of `values` where `valid` is false,
    or `None` when all are valid (NumPy inputs)."""
    valid = np.asarray(valid, dtype=bool)
    if valid.all():
        return None
    bad = np.asarray(values)[~np.broadcast_to(valid, np.shape(values))]
    return ValueError(
        f"{message} Received {bad.size} value(s) outside, e.g. "
        f"{np.unique(bad)[:5].tolist()}"
    )


def checked_values(valid, values, message):
    """Returns `values`; raises (or, traced, makes the step raise) a
    `ValueError` naming the entries of `values` where the boolean tensor
    `valid` is false."""
    name = keras.config.backend()
    module = importlib.import_module(f"kerastricks.backend.{name}.value_checks")
    return module.checked_values(valid, values, message)
