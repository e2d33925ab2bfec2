"""The measuring schedule, history and per-layer plot shared by the
instability callbacks (`InstabilityMonitor`, `GradientRMSMonitor`), and the
probe and loss (de)serialization of the callbacks that measure on a probe
batch."""

import keras
import numpy as np

from kerastricks.utils import validation
from kerastricks.utils.optional_dependencies import import_optional

UNITS = ("epoch", "step")
# Quantities whose curves span orders of magnitude get a log axis.
_LOG_SCALE = ("gradient_rms",)


def check_probe_inputs(name, x):
    """A NumPy array (or a dict of them, for a model with named inputs) of
    at least one example."""
    if x is None or isinstance(x, (str, bytes, bool, int, float)):
        raise TypeError(
            f"Argument `{name}` must be an array (or a dict of arrays) of "
            f"probe examples. Received: {name}={x!r}"
        )
    # A list is one array (as get_config writes it), not several inputs.
    x = ({key: np.asarray(part) for key, part in x.items()}
         if isinstance(x, dict) else np.asarray(x))
    parts = list(x.values()) if isinstance(x, dict) else [x]
    sizes = {len(part) if part.ndim else 0 for part in parts}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError(
            f"Argument `{name}` must hold the same, non-zero number of "
            f"examples in every input. Received: sizes {sorted(sizes)}"
        )
    return x


def probe_size(x):
    return len(next(iter(x.values())) if isinstance(x, dict) else x)


def serialize_probe(x):
    if isinstance(x, dict):
        return {key: part.tolist() for key, part in x.items()}
    return x.tolist()


def check_loss_fn(loss_fn):
    """None, a Keras loss name, a loss object or a function."""
    if loss_fn is None or callable(loss_fn):
        return loss_fn
    if isinstance(loss_fn, str):
        try:
            keras.losses.get(loss_fn)
            return loss_fn
        except ValueError:
            pass
    raise TypeError(
        "Argument `loss_fn` must be None, a Keras loss name, a "
        f"keras.losses.Loss or a function. Received: loss_fn={loss_fn!r}"
    )


def serialize_loss(loss_fn):
    """`loss_fn` for `get_config`: None and names as they are, a loss object
    serialized."""
    if loss_fn is None or isinstance(loss_fn, str):
        return loss_fn
    return keras.saving.serialize_keras_object(loss_fn)


def with_deserialized_loss(config):
    """A copy of `config` whose serialized `loss_fn` is a loss object
    again."""
    config = dict(config)
    if isinstance(config.get("loss_fn"), dict):
        config["loss_fn"] = keras.saving.deserialize_keras_object(
            config["loss_fn"])
    return config


class ProbeCurves(keras.callbacks.Callback):
    """Calls `measure()` (a dict of floats) every `frequency` epochs or
    steps, adds the values to Keras's `logs`, keeps them in `history` and
    draws them per quantity and layer (`plot`)."""

    def __init__(self, frequency, unit, plot_path):
        super().__init__()
        self.frequency = validation.check_positive_int("frequency", frequency)
        self.unit = validation.check_one_of("unit", unit, UNITS)
        if plot_path is not None and not isinstance(plot_path, str):
            raise TypeError(
                "Argument `plot_path` must be a str or None. "
                f"Received: plot_path={plot_path!r}"
            )
        self.plot_path = plot_path
        self._reset()

    def _reset(self):
        self._step = 0
        self._latest = {}
        self.history = {"step": []}

    def measure(self):
        raise NotImplementedError

    def _record(self, logs):
        values = self.measure()
        self.history["step"].append(self._step)
        for key, value in values.items():
            self.history.setdefault(key, []).append(value)
        self._latest = values
        if logs is not None:
            logs.update(values)

    def on_train_begin(self, logs=None):
        self._reset()

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.unit == "step" and self._step % self.frequency == 0:
            self._record(logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.unit == "epoch":
            if (epoch + 1) % self.frequency == 0:
                self._record(logs)
        elif logs is not None:
            # History and CSVLogger read the epoch logs: give them the
            # latest step measurement.
            logs.update(self._latest)

    def on_train_end(self, logs=None):
        if self.plot_path is not None and self.history["step"]:
            self.plot(self.plot_path)

    def plot(self, path):
        """Writes the recorded curves to `path` (PNG): one panel per
        quantity, one line per layer, against the training step."""
        figure_module = import_optional("matplotlib.figure",
                                        type(self).__name__)
        quantities = {}
        for key in self.history:
            if key != "step":
                quantity, _, layer = key.partition("/")
                quantities.setdefault(quantity, []).append((layer, key))
        if not quantities:
            raise ValueError(
                f"{type(self).__name__} has nothing to plot yet: fit the "
                "model with the callback first."
            )
        figure = figure_module.Figure(figsize=(5, 3 * len(quantities)))
        steps = self.history["step"]
        for index, (quantity, curves) in enumerate(quantities.items()):
            axes = figure.add_subplot(len(quantities), 1, index + 1)
            for layer, key in curves:
                axes.plot(steps, self.history[key], marker=".",
                          label=layer or quantity)
            if quantity in _LOG_SCALE:
                axes.set_yscale("log")
            axes.set_xlabel("training step")
            axes.set_ylabel(quantity)
            axes.legend(fontsize=6)
        figure.tight_layout()
        figure.savefig(str(path), format="png", dpi=100)
        return path
