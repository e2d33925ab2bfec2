import os

import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.stochastic_weight_averaging import swa_cyclic_learning_rate
from kerastricks.ops.stochastic_weight_averaging import swa_running_average
from kerastricks.utils import validation

_BACKUP_FILE = "swa_averages.npz"


@kerastricks_export("kerastricks.callbacks.SWA")
class SWA(keras.callbacks.Callback):
    """Stochastic Weight Averaging: averages the weights along the trajectory.

    SGD with a constant or cyclical learning rate bounces around a wide
    region of good solutions without settling in its centre. SWA averages
    the weights it visits, one snapshot every `average_period` epochs from
    `start_epoch` on, which lands nearer that centre: a flatter solution
    that generalizes better than the last iterate, at no extra training
    cost. The paper starts averaging after about 75% of the usual training
    budget, from a pretrained model, with either a constant learning rate
    or a cyclical one that restarts each period.

    ```python
    from epoch start_epoch on:
        learning rate: unchanged, constant learning_rate, or cyclic from
        learning_rate to min_learning_rate within each period (per batch)
        at the end of every average_period-th epoch:
            average = (average * n + weights) / (n + 1);  n += 1
    at the end of training:
        weights = average                  # swapped in
        recompute BatchNormalization statistics over bn_update_data
    ```

    The average is kept in non-trainable `keras.Variable`s and updated on
    the device at epoch ends (no host round trip per batch). At the end of
    training the averaged weights are swapped into the model and, with
    `bn_update_data`, the moving statistics of every
    `keras.layers.BatchNormalization` are recomputed for them as the
    paper's `bn_update` does: one pass over the data in training mode, each
    layer's statistics set to the average of its per-batch statistics.
    `swap_weights()` exchanges the model's weights and the average (call it
    again to swap back), like `keras.callbacks.SwapEMAWeights`; with
    `swap_on_evaluate=True` validation during `fit` uses the average (its
    BatchNormalization statistics are then the current ones, not
    recomputed).

    Args:
        start_epoch: int >= 0, the first epoch (0-based, as in Keras
            callbacks) of the averaging phase.
        average_period: positive int, epochs between two snapshots; with a
            cyclical rate, the cycle length. Defaults to `1`.
        learning_rate: float > 0 or `None`: from `start_epoch` on, the
            optimizer's constant rate (α₁ of the paper). `None` leaves the
            rate to the optimizer. Defaults to `None`.
        min_learning_rate: float > 0 or `None`: with `learning_rate`, makes
            the rate cyclical, falling linearly per batch from
            `learning_rate` to this value (α₂) within each period. Needs a
            known number of steps per epoch. Defaults to `None`.
        bn_update_data: the inputs `x` (NumPy array) or an `(x, y)` tuple
            as given to `fit` (y is ignored) for the final BatchNormalization
            pass; `None` skips it. Defaults to `None`.
        batch_size: positive int, the batch size of that pass. Defaults to
            `32`.
        swap_on_evaluate: bool, evaluate with the averaged weights during
            `fit` once averaging has started. Defaults to `False`.
        backup_dir: path or `None`: where the average is saved after each
            snapshot and restored from when `fit` restarts, next to
            `keras.callbacks.BackupAndRestore` (use the same folder); the
            file is deleted when training completes. Defaults to `None`.

    Example:

    >>> x = np.random.rand(32, 4).astype("float32")
    >>> y = np.arange(32) % 3
    >>> model = keras.Sequential([
    ...     keras.Input((4,)), keras.layers.Dense(8),
    ...     keras.layers.BatchNormalization(), keras.layers.Dense(3)])
    >>> model.compile(optimizer=keras.optimizers.SGD(0.1),
    ...     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    >>> swa = kerastricks.callbacks.SWA(start_epoch=2, learning_rate=0.05,
    ...     min_learning_rate=0.01, bn_update_data=(x, y))
    >>> _ = model.fit(x, y, epochs=4, batch_size=8, callbacks=[swa],
    ...               verbose=0)
    >>> swa.num_averaged
    2

    References:
        - [Izmailov et al., 2018](https://arxiv.org/abs/1803.05407),
          "Averaging Weights Leads to Wider Optima and Better
          Generalization", UAI 2018.
    """

    def __init__(self, start_epoch, average_period=1, learning_rate=None,
                 min_learning_rate=None, bn_update_data=None, batch_size=32,
                 swap_on_evaluate=False, backup_dir=None):
        super().__init__()
        if isinstance(start_epoch, bool) or not isinstance(start_epoch,
                                                           int):
            raise TypeError(
                "Argument `start_epoch` must be an integer. Received: "
                f"start_epoch={start_epoch!r} of type "
                f"{type(start_epoch).__name__}")
        self.start_epoch = validation.check_non_negative("start_epoch",
                                                         start_epoch)
        self.average_period = validation.check_positive_int(
            "average_period", average_period)
        if learning_rate is not None:
            validation.check_positive("learning_rate", learning_rate)
        if min_learning_rate is not None:
            if learning_rate is None:
                raise ValueError(
                    "A cyclical rate needs both ends: pass `learning_rate` "
                    "with `min_learning_rate`. Received: learning_rate=None, "
                    f"min_learning_rate={min_learning_rate!r}")
            validation.check_positive("min_learning_rate",
                                      min_learning_rate)
        self.learning_rate = learning_rate
        self.min_learning_rate = min_learning_rate
        self.bn_update_data = _inputs_of(bn_update_data)
        self.batch_size = validation.check_positive_int("batch_size",
                                                        batch_size)
        self.swap_on_evaluate = validation.check_bool("swap_on_evaluate",
                                                      swap_on_evaluate)
        if backup_dir is not None and not isinstance(backup_dir,
                                                     (str, os.PathLike)):
            raise TypeError(
                "Argument `backup_dir` must be a path or None. Received: "
                f"backup_dir={backup_dir!r}")
        self.backup_dir = None if backup_dir is None else str(backup_dir)
        self.num_averaged = 0
        self._averages = None
        self._epoch = 0
        self._swapped = False
        self._training = False

    # ------------------------------------------------------------- training
    def on_train_begin(self, logs=None):
        self.num_averaged = 0
        self._swapped = False
        self._training = True
        self._averages = [
            keras.Variable(ops.copy(variable), trainable=False,
                           name=f"swa_{variable.name}")
            for variable in self.model.trainable_variables
        ]
        if self.min_learning_rate is not None and not self.params.get(
                "steps"):
            raise ValueError(
                "SWA's cyclical learning rate needs the number of steps per "
                "epoch, which this fit does not know; pass "
                "`steps_per_epoch` to `fit` or use a constant rate. "
                f"Received: steps={self.params.get('steps')!r}")
        self._restore_backup()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if epoch >= self.start_epoch and self.learning_rate is not None:
            self._set_learning_rate(self.learning_rate)

    def on_train_batch_begin(self, batch, logs=None):
        if self.min_learning_rate is None or self._epoch < self.start_epoch:
            return
        iteration = (self._epoch - self.start_epoch) * self.params[
            "steps"] + batch
        self._set_learning_rate(swa_cyclic_learning_rate(
            iteration, self.average_period * self.params["steps"],
            self.learning_rate, self.min_learning_rate))

    def on_epoch_end(self, epoch, logs=None):
        phase_epochs = epoch - self.start_epoch + 1
        if phase_epochs <= 0 or phase_epochs % self.average_period:
            return
        for average, variable in zip(self._averages,
                                     self.model.trainable_variables):
            average.assign(swa_running_average(average, variable,
                                               self.num_averaged))
        self.num_averaged += 1
        self._write_backup(epoch)

    def on_test_begin(self, logs=None):
        if self._training and self.swap_on_evaluate and self.num_averaged:
            self.swap_weights()

    def on_test_end(self, logs=None):
        if self._training and self.swap_on_evaluate and self.num_averaged:
            self.swap_weights()

    def on_train_end(self, logs=None):
        self._training = False
        if self.backup_dir is not None:
            path = os.path.join(self.backup_dir, _BACKUP_FILE)
            if os.path.exists(path):
                os.remove(path)
        if not self.num_averaged:
            return
        self.swap_weights()
        if self.bn_update_data is not None:
            _update_batch_normalization(self.model, self.bn_update_data,
                                       self.batch_size)

    # ------------------------------------------------------------ public API
    def swap_weights(self):
        """Exchanges the model's trainable weights and the SWA average.

        After `fit` the average is in the model (`swapped` is true); a
        second call puts the last weights of training back.
        """
        if self._averages is None:
            raise ValueError(
                "SWA.swap_weights() needs a fit with this callback first: "
                "there is no average yet.")
        for average, variable in zip(self._averages,
                                     self.model.trainable_variables):
            # A device copy, not a host round trip.
            current = ops.copy(variable)
            variable.assign(average)
            average.assign(current)
        self._swapped = not self._swapped

    @property
    def swapped(self):
        """Whether the model holds the averaged weights."""
        return self._swapped

    @property
    def averaged_weights(self):
        """The averaged trainable weights (NumPy), wherever they are."""
        source = (self.model.trainable_variables if self._swapped
                  else self._averages)
        return [ops.convert_to_numpy(value) for value in source]

    # --------------------------------------------------------------- helpers
    def _set_learning_rate(self, value):
        try:
            self.model.optimizer.learning_rate = value
        except TypeError as error:
            raise TypeError(
                "SWA sets the optimizer's learning rate (`learning_rate=` "
                f"{self.learning_rate!r}), but this optimizer's rate is a "
                "schedule: give the optimizer a float rate, or pass "
                "learning_rate=None to SWA.") from error

    def _write_backup(self, epoch):
        if self.backup_dir is None:
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        path = os.path.join(self.backup_dir, _BACKUP_FILE)
        np.savez(path, epoch=epoch, num_averaged=self.num_averaged,
                 *[ops.convert_to_numpy(a) for a in self._averages])

    def _restore_backup(self):
        if self.backup_dir is None:
            return
        path = os.path.join(self.backup_dir, _BACKUP_FILE)
        if not os.path.exists(path):
            return
        with np.load(path) as saved:
            self.num_averaged = int(saved["num_averaged"])
            for i, average in enumerate(self._averages):
                average.assign(saved[f"arr_{i}"])

    def get_config(self):
        data = self.bn_update_data
        return {
            "start_epoch": self.start_epoch,
            "average_period": self.average_period,
            "learning_rate": self.learning_rate,
            "min_learning_rate": self.min_learning_rate,
            "bn_update_data": None if data is None else data.tolist(),
            "batch_size": self.batch_size,
            "swap_on_evaluate": self.swap_on_evaluate,
            "backup_dir": self.backup_dir,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _update_batch_normalization(model, x, batch_size=32):
    """The paper's `bn_update`: one pass over `x` in training mode in which
    every BatchNormalization layer's moving statistics become the average of
    its per-batch statistics (momentum (k-1)/k on the k-th batch)."""
    layers = [layer for layer in _all_layers(model)
              if isinstance(layer, keras.layers.BatchNormalization)]
    if not layers:
        return
    momenta = [layer.momentum for layer in layers]
    try:
        for k, start in enumerate(range(0, len(x), batch_size), start=1):
            for layer in layers:
                layer.momentum = (k - 1) / k
            model(x[start:start + batch_size], training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum


def _all_layers(layer):
    for child in getattr(layer, "layers", ()):
        yield child
        yield from _all_layers(child)
    inner = getattr(layer, "layer", None)
    if isinstance(inner, keras.layers.Layer):
        yield inner
        yield from _all_layers(inner)


def _inputs_of(data):
    """The inputs of `x` or of an `(x, y)` tuple, as a NumPy array."""
    if data is None:
        return None
    if isinstance(data, tuple) and len(data) == 2:
        data = data[0]
    x = np.asarray(data)
    if x.ndim == 0 or len(x) == 0 or x.dtype.kind not in "biuf":
        received = (f"bn_update_data={data!r}" if x.ndim == 0 else
                    f"bn_update_data with shape {x.shape} and dtype "
                    f"{x.dtype}")
        raise ValueError(
            "Argument `bn_update_data` must be a non-empty numeric array of "
            f"inputs, or an (x, y) tuple. Received: {received}")
    return x
