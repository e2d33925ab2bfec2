import warnings

import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.softmax_collapse import softmax_collapse
from kerastricks.utils import validation


@kerastricks_export("kerastricks.callbacks.SoftmaxCollapseMonitor")
class SoftmaxCollapseMonitor(keras.callbacks.Callback):
    """Watches a probe batch for Softmax Collapse and naive loss minimization.

    Once a classifier fits its training data, gradient descent keeps lowering
    the cross-entropy by scaling the logits up (naive loss minimization, NLM)
    until float32 softmax saturates: the largest probability rounds to
    exactly 1, the loss to exactly 0 and the gradient vanishes (Softmax
    Collapse, SC), which stalls generalization (grokking). This callback
    measures both on a fixed probe batch at the end of every
    `check_every`-th epoch and logs:

    - `softmax_collapse`: fraction of probe examples with sum(exp(z - max z))
      == 1 in float32 (the authors' SC test);
    - `zero_loss_fraction`: fraction whose float32 loss is exactly 0;
    - `nlm_alignment`: cosine between the descent direction -g of the
      cross-entropy and the weights w, over all trainable weights (1 means
      the step only scales the weights up).

    It warns once when `softmax_collapse` exceeds `warn_above`, and stops
    training when it reaches `stop_above` (if set). Remedies: StableMax
    (`kerastricks.losses.StableMaxCrossEntropy`), ⊥Grad
    (`kerastricks.optimizers.OrthoGrad`) or weight decay.

    ```python
    z = logits - max(logits);  S = sum(exp(z))          # float32
    softmax_collapse = mean(S == 1)
    g = d CE / d w  (one SGD(lr=1) step on a copy of the model)
    nlm_alignment = <-g, w> / (|g| |w|)
    ```

    Args:
        probe_data: tuple `(x, y)` of NumPy arrays, a small batch of
            training examples with integer labels; the model's outputs must
            be logits.
        check_every: positive int, measure every this many epochs. Defaults
            to `1`.
        warn_above: float in [0, 1], warn once past this collapse fraction.
            Defaults to `0.5`.
        stop_above: float in [0, 1] or `None`, stop training at this
            collapse fraction. Defaults to `None` (never).
        measure_alignment: bool, also compute `nlm_alignment` (costs one
            forward/backward pass on a copy of the model). Defaults to
            `True`.

    Example:

    >>> x = np.random.rand(16, 4).astype("float32")
    >>> y = np.arange(16) % 3
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> model.compile(optimizer="adam", loss=keras.losses.
    ...               SparseCategoricalCrossentropy(from_logits=True))
    >>> monitor = kerastricks.callbacks.SoftmaxCollapseMonitor((x, y))
    >>> history = model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor])
    >>> float(history.history["softmax_collapse"][0])
    0.0

    References:
        - [Prieto et al., 2025](https://arxiv.org/abs/2501.04697), "Grokking at
          the Edge of Numerical Stability".
    """

    def __init__(self, probe_data, check_every=1, warn_above=0.5,
                 stop_above=None, measure_alignment=True):
        super().__init__()
        self.probe_data = validation.check_examples("probe_data", probe_data)
        self.check_every = validation.check_positive_int("check_every",
                                                         check_every)
        self.warn_above = validation.check_in_range("warn_above", warn_above,
                                                    0, 1)
        self.stop_above = (
            None
            if stop_above is None
            else validation.check_in_range("stop_above", stop_above, 0, 1)
        )
        self.measure_alignment = validation.check_bool("measure_alignment",
                                                       measure_alignment)
        self._warned = False
        self._probe_model = None

    def measure(self):
        """Returns the three measurements on the probe batch as floats."""
        x, y = self.probe_data
        logits = self.model(x, training=False)
        collapsed, zero_loss = softmax_collapse(logits, y)
        results = {
            "softmax_collapse": float(ops.mean(ops.cast(collapsed,
                                                        "float32"))),
            "zero_loss_fraction": float(ops.mean(ops.cast(zero_loss,
                                                          "float32"))),
        }
        if self.measure_alignment:
            results["nlm_alignment"] = self._nlm_alignment()
        return results

    def _nlm_alignment(self):
        # One SGD(learning_rate=1) step on a copy moves each weight by -g, so
        # the gradient is read off without backend-specific code.
        if self._probe_model is None:
            self._probe_model = keras.models.clone_model(self.model)
            self._probe_model.compile(
                optimizer=keras.optimizers.SGD(learning_rate=1.0),
                loss=keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True
                ),
            )
        probe = self._probe_model
        probe.set_weights(self.model.get_weights())
        before = [ops.convert_to_numpy(v) for v in probe.trainable_weights]
        probe.train_on_batch(*self.probe_data)
        after = [ops.convert_to_numpy(v) for v in probe.trainable_weights]
        descent = np.concatenate([(a - b).ravel() for a, b in zip(after,
                                                                  before)])
        weights = np.concatenate([b.ravel() for b in before])
        norm = np.linalg.norm(descent) * np.linalg.norm(weights)
        return float(descent @ weights / norm) if norm > 0 else 0.0

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.check_every:
            return
        results = self.measure()
        if logs is not None:
            logs.update(results)
        collapse = results["softmax_collapse"]
        if collapse > self.warn_above and not self._warned:
            self._warned = True
            warnings.warn(
                f"Softmax Collapse: {collapse:.0%} of the probe examples have "
                "a float32 softmax saturated to exactly 1 (epoch "
                f"{epoch + 1}); their gradients vanish. Consider StableMax "
                "cross-entropy, OrthoGrad or weight decay.",
                stacklevel=2,
            )
        if self.stop_above is not None and collapse >= self.stop_above:
            self.model.stop_training = True

    def get_config(self):
        x, y = self.probe_data
        return {
            "probe_data": (x.tolist(), y.tolist()),
            "check_every": self.check_every,
            "warn_above": self.warn_above,
            "stop_above": self.stop_above,
            "measure_alignment": self.measure_alignment,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
