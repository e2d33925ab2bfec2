import math

import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.layers._binary_layer import ROOT_DEGREE_NAME
from kerastricks.utils import validation


@kerastricks_export("kerastricks.callbacks.ReSTESchedule")
class ReSTESchedule(keras.callbacks.Callback):
    """Raises ReSTE's exponent o from `start` to `end` over training.

    The Rectified Straight Through Estimator (`estimator="reste"` in
    `kerastricks.layers.BinaryDense` and `BinaryConv2D`) back-propagates
    through sign(x) as if it were sign(x)|x|^(1/o). With o = 1 that is the
    clipped straight-through estimator (stable gradients, large estimating
    error); a larger o fits the sign better at the price of less stable
    gradients. The paper balances the two by starting at o = 1 and growing
    o along a quarter cosine, epoch by epoch, to 3 at the end of training.
    At the beginning of each epoch this callback sets the `reste_root_degree`
    weight of every ReSTE layer of the model (nested models included) and
    logs the value as `reste_root_degree`; a model without ReSTE layers is
    left unchanged. The value depends only on the epoch number, so a run
    resumed at epoch k continues the schedule where it stopped.

    ```python
    progress = epoch / epochs                 # epoch = 0, 1, ..., epochs - 1
    o = start + (end - start) * (1 - cos(pi / 2 * progress))
    ```

    Args:
        start: positive float, o at the first epoch. Defaults to `1.0`, the
            paper's (clipped STE).
        end: positive float, the value o approaches at the last epoch.
            Defaults to `3.0`, the authors' `o_end`.
        epochs: positive int or `None`, the length of the schedule in
            epochs; `None` takes `epochs` of `model.fit`. Defaults to
            `None`.

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((6,)),
    ...     kerastricks.layers.BinaryDense(8, estimator="reste"),
    ...     keras.layers.BatchNormalization(),
    ...     keras.layers.Dense(2),
    ... ])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> schedule = kerastricks.callbacks.ReSTESchedule(start=1.0, end=3.0)
    >>> history = model.fit(np.random.rand(4, 6), np.zeros((4, 2)),
    ...                     epochs=2, verbose=0, callbacks=[schedule])
    >>> [round(o, 4) for o in history.history["reste_root_degree"]]
    [1.0, 1.5858]

    References:
        - [Wu et al., 2023](https://arxiv.org/abs/2308.06689), "Estimator
          Meets Equilibrium Perspective: A Rectified Straight Through
          Estimator for Binary Neural Networks Training", ICCV 2023.
    """

    def __init__(self, start=1.0, end=3.0, epochs=None):
        super().__init__()
        self.start = validation.check_positive("start", start)
        self.end = validation.check_positive("end", end)
        if epochs is not None:
            validation.check_positive_int("epochs", epochs)
        self.epochs = epochs
        self.current_value = self.start

    def value_at(self, epoch):
        """o at (0-based) `epoch`."""
        epochs = self.epochs or (self.params or {}).get("epochs") or 1
        progress = min(epoch / epochs, 1.0)
        return self.start + (self.end - self.start) * (
            1.0 - math.cos(0.5 * math.pi * progress))

    def on_epoch_begin(self, epoch, logs=None):
        self.current_value = self.value_at(epoch)
        for variable in self.model.non_trainable_variables:
            if variable.name == ROOT_DEGREE_NAME:
                variable.assign(self.current_value)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["reste_root_degree"] = self.current_value

    def get_config(self):
        return {"start": self.start, "end": self.end, "epochs": self.epochs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
