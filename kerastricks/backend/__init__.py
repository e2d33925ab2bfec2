"""The only package allowed to import tensorflow, jax or torch.

Each backend lives in its own subpackage and is imported lazily through
`get()`, so importing kerastricks never imports a framework Keras is not
using.
"""

import importlib

import keras

SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")


def get(name=None):
    """Returns the module `kerastricks.backend.<name>` (default: active)."""
    name = name or keras.config.backend()
    if name not in SUPPORTED_BACKENDS:
        raise NotImplementedError(
            f"kerastricks has no code for the Keras backend {name!r}. "
            f"Supported: {SUPPORTED_BACKENDS}"
        )
    return importlib.import_module(f"kerastricks.backend.{name}")
