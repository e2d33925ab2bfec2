import keras
from keras import ops

from kerastricks import backend
from kerastricks.api_export import kerastricks_export
from kerastricks.backend import compiled_functions
from kerastricks.callbacks._probe_curves import ProbeCurves
from kerastricks.callbacks._probe_curves import check_loss_fn
from kerastricks.callbacks._probe_curves import check_probe_inputs
from kerastricks.callbacks._probe_curves import probe_size
from kerastricks.callbacks._probe_curves import serialize_loss
from kerastricks.callbacks._probe_curves import serialize_probe
from kerastricks.callbacks._probe_curves import with_deserialized_loss
from kerastricks.ops.training_instability import root_mean_square


@kerastricks_export("kerastricks.callbacks.GradientRMSMonitor")
class GradientRMSMonitor(ProbeCurves):
    """Records the root mean square of each layer's loss gradient.

    "Small-scale proxies for large-scale Transformer training
    instabilities" predicts instabilities from how model characteristics
    scale: the gradient RMS of the layers falls as models grow wider and
    deeper, until it nears AdamW's `epsilon` and the update shrinks
    (lowering `epsilon`, e.g. to 1e-15, fixes it). This callback tracks that
    signal: every `frequency` epochs or steps it computes the gradient of
    the loss on a fixed probe batch with respect to every trainable
    variable (inference-mode forward pass, no update, no loss scaling) and
    logs, for each layer of the model with trainable variables,
    `sqrt(mean(g**2))` over all of that layer's gradient entries.

    ```python
    every `frequency` epochs (or steps):
        g = d loss(y_probe, model(x_probe, training=False)) / d weights
        for each layer L of model.layers with trainable weights:
            gradient_rms/<L> = sqrt(sum over L's weights of sum(g**2)
                                    / number of L's weight entries)
    ```

    The gradient comes from `kerastricks.backend`'s `loss_and_gradients`
    (one framework call per backend), outside the training step, so it
    works with or without `jit_compile`. Logs keys `gradient_rms/<layer
    name>` (epoch logs, and batch logs when `unit="step"`); `history`
    keeps the curves and `plot(path)` draws them.

    Args:
        probe_data: tuple `(x, y)`, a fixed batch of inputs (an array, or
            a dict of arrays for named inputs) and the targets the loss
            takes.
        loss_fn: `None` (the model's compiled loss, with its regularization
            losses), a Keras loss name, a `keras.losses.Loss` or a function
            `(y_true, y_pred)` returning per-example losses (averaged).
            Defaults to `None`.
        frequency: positive int, measure every this many epochs or steps.
            Defaults to `1`.
        unit: `"epoch"` or `"step"`, what `frequency` counts. Defaults to
            `"epoch"`.
        plot_path: str or `None`, write the PNG of the curves there at the
            end of training. Defaults to `None`.

    Example:

    >>> model = keras.Sequential([keras.Input((3,)),
    ...                           keras.layers.Dense(4, name="hidden"),
    ...                           keras.layers.Dense(1, name="head")])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    >>> y = np.ones((8, 1), "float32")
    >>> monitor = kerastricks.callbacks.GradientRMSMonitor((x, y))
    >>> history = model.fit(x, y, epochs=2, verbose=0, callbacks=[monitor])
    >>> sorted(key for key in history.history if key != "loss")
    ['gradient_rms/head', 'gradient_rms/hidden']

    References:
        - [Wortsman et al., 2023](https://arxiv.org/abs/2309.14322),
          "Small-scale proxies for large-scale Transformer training
          instabilities", ICLR 2024.
    """

    def __init__(self, probe_data, loss_fn=None, frequency=1, unit="epoch",
                 plot_path=None):
        super().__init__(frequency, unit, plot_path)
        if not isinstance(probe_data, (tuple, list)) or len(probe_data) != 2:
            raise ValueError(
                "Argument `probe_data` must be a tuple (x, y). Received: "
                f"probe_data of type {type(probe_data).__name__}"
            )
        x = check_probe_inputs("probe_data", probe_data[0])
        y = check_probe_inputs("probe_data", probe_data[1])
        if probe_size(x) != probe_size(y):
            raise ValueError(
                "Argument `probe_data` must hold as many targets as inputs. "
                f"Received: {probe_size(x)} inputs and {probe_size(y)} "
                "targets"
            )
        self.probe_data = (x, y)
        self.loss_fn = check_loss_fn(loss_fn)

    def _loss(self, x, y, y_pred):
        if self.loss_fn is None:
            if getattr(self.model, "compiled_loss", None) is None and (
                    getattr(self.model, "loss", None) is None):
                raise ValueError(
                    "GradientRMSMonitor needs a loss: compile the model "
                    "with one or pass `loss_fn`."
                )
            return self.model.compute_loss(x=x, y=y, y_pred=y_pred,
                                           training=False)
        loss = self.loss_fn
        if isinstance(loss, str):
            loss = keras.losses.get(loss)
        return ops.mean(ops.cast(loss(y, y_pred), "float32"))

    def _layer_rms_fn(self):
        """A pure function `(trainable, non_trainable, x, y) -> per-layer
        RMS`, compiled once (one XLA program on JAX instead of one per
        eager op)."""
        model = self.model
        trainable = list(model.trainable_variables)
        non_trainable = list(model.non_trainable_variables)
        layer_indices = {}
        position = {id(v): i for i, v in enumerate(trainable)}
        for layer in model.layers:
            indices = [position[id(v)] for v in layer.trainable_variables]
            if indices:
                layer_indices[layer.name] = indices

        def layer_rms(trainable_values, non_trainable_values, x, y):
            fixed = list(zip(non_trainable, non_trainable_values))

            def loss_at(values):
                mapping = list(zip(trainable, values)) + fixed
                with keras.StatelessScope(state_mapping=mapping):
                    y_pred = model(x, training=False)
                    loss = self._loss(x, y, y_pred)
                return ops.cast(loss, "float32"), ()

            _, gradients = backend.get().loss_and_gradients(
                loss_at, trainable_values)
            gradients = [
                ops.zeros(v.shape) if g is None else g
                for v, g in zip(trainable, gradients)]
            return {name: root_mean_square([gradients[i] for i in indices])
                    for name, indices in layer_indices.items()}

        return compiled_functions.compile_pure_function(layer_rms)

    def set_model(self, model):
        super().set_model(model)
        self._compiled_layer_rms = None

    def measure(self):
        """The gradient RMS of each layer on the probe batch, as a dict of
        floats."""
        if self._compiled_layer_rms is None:
            self._compiled_layer_rms = self._layer_rms_fn()
        x, y = self.probe_data
        values = self._compiled_layer_rms(
            [v.value for v in self.model.trainable_variables],
            [v.value for v in self.model.non_trainable_variables], x, y)
        return {f"gradient_rms/{name}": float(ops.convert_to_numpy(value))
                for name, value in values.items()}

    def get_config(self):
        x, y = self.probe_data
        return {
            "probe_data": (serialize_probe(x), serialize_probe(y)),
            "loss_fn": serialize_loss(self.loss_fn),
            "frequency": self.frequency,
            "unit": self.unit,
            "plot_path": self.plot_path,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**with_deserialized_loss(config))
