import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.models import model_wrapper
from kerastricks.models.model_wrapper import TrajectoryLossWrapper
from kerastricks.utils import validation


def _copy_of(variable):
    def initializer(shape, dtype=None):
        return ops.copy(variable.value)

    return initializer


@kerastricks_export("kerastricks.models.MESA")
class MESA(TrajectoryLossWrapper):
    """Memory-Efficient Sharpness-Aware training (MESA), SAF without memory.

    The variant of `kerastricks.models.SAF` for training sets too large for
    a memory of past logits: the "past outputs" of the trajectory loss come
    from an exponential moving average (EMA) of the weights instead, a
    teacher that trails the trajectory. It costs one extra forward pass per
    step (no extra backward pass) and one copy of the model's weights; it
    needs no example indices, so any dataset works.

    ```python
    # every training step, before the forward pass (timm's ModelEmaV2):
    ema = ema_momentum * ema + (1 - ema_momentum) * w   # all float weights
    loss = compiled_loss(y, logits)
    if start_epoch < epoch < end_epoch:
        past = inner(x, weights=ema, training=False)    # no gradient
        loss += trajectory_loss_weight * temperature**2 * KL(
            softmax(past / temperature) || softmax(logits / temperature))
    ```

    The average starts from the weights at construction and includes the
    non-trainable float state (BatchNorm moving statistics), as the
    authors' timm `ModelEmaV2` does; the teacher runs in inference mode.
    Refreshing the average at the start of each step with the weights the
    previous step produced gives the teacher of step t the average of
    w_0 ... w_t-1, exactly the authors' sequence (BatchNorm statistics enter
    one step earlier: this step's forward pass has already updated them).
    Epochs count from 0 across `fit` calls (`wrapper.epoch`, saved with the
    model) and advance at the end of every `fit` epoch. On small datasets
    set `ema_momentum` near `1 - 1 / steps_per_epoch`: the default averages
    over ~5,000 steps, one ImageNet epoch.

    Args:
        model: a `keras.Model` whose output is logits `(batch, ..., classes)`.
            A visible softmax or sigmoid output (a `Softmax` layer or
            an output layer with that activation, as in
            `keras.applications` by default) raises a `ValueError`;
            subclassed models are not inspected.
        trajectory_loss_weight: float >= 0, λ, the weight of the trajectory
            loss. Defaults to `0.8`, the authors' MESA value.
        temperature: float > 0, τ. Defaults to `5.0`.
        start_epoch: int >= 0, E_start: the trajectory loss is used in
            epochs after this one (0-based, as the authors' code). Defaults
            to `5`.
        end_epoch: int or `None`, the loss is used before this epoch only.
            Defaults to `None` (until the end).
        ema_momentum: float in [0, 1), β, the EMA decay per step. Defaults to
            `0.9998`, the authors' (timm's `--model-ema-decay`).
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> mesa = kerastricks.models.MESA(model, start_epoch=0)
    >>> mesa.compile(optimizer="sgd", loss=keras.losses.
    ...              SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 4), np.arange(8) % 3
    >>> history = mesa.fit(x, y, epochs=2, batch_size=4, verbose=0)
    >>> len(mesa.ema_weights)
    2

    References:
        - [Du et al., 2022](https://arxiv.org/abs/2205.14083),
          "Sharpness-Aware Training for Free".
    """

    tracks_epochs = True

    def __init__(
        self,
        model,
        trajectory_loss_weight=0.8,
        temperature=5.0,
        start_epoch=5,
        end_epoch=None,
        ema_momentum=0.9998,
        **kwargs,
    ):
        super().__init__(model, trajectory_loss_weight, temperature,
                         start_epoch, end_epoch, **kwargs)
        validation.check_logit_outputs("model", model, "MESA")
        self.ema_momentum = validation.check_in_range(
            "ema_momentum", ema_momentum, 0.0, 1.0, high_inclusive=False
        )
        self.ema_weights = []
        self._ema_of = {}
        if model.built:
            self._build_ema()

    def build_state(self, output_spec):
        self._build_ema()

    def _build_ema(self):
        if self.ema_weights:
            return
        for variable in self.inner.weights:
            if not keras.backend.is_float_dtype(variable.dtype):
                continue
            # An initializer, not an assign: TensorFlow may build inside the
            # first trace, where an assign would rerun at every step.
            average = self.add_weight(
                shape=variable.shape,
                dtype=variable.dtype,
                initializer=_copy_of(variable),
                trainable=False,
                autocast=False,
                name="ema_" + variable.path.replace("/", "_"),
            )
            self.ema_weights.append(average)
            self._ema_of[id(variable)] = average

    def _teacher_values(self, variables):
        """The EMA update of this step: the new averages of `variables` (the
        current value for variables without an average)."""
        values = []
        for variable in variables:
            average = self._ema_of.get(id(variable))
            if average is None:
                values.append(variable.value)
                continue
            current = ops.stop_gradient(variable.value)
            new = self.ema_momentum * average + (1.0 - self.ema_momentum) * (
                current
            )
            average.assign(new)
            values.append(new)
        return values

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        loss = super().compute_loss(
            x, y, y_pred, sample_weight=sample_weight, training=training
        )
        if not training:
            return loss
        teacher_trainable = self._teacher_values(self.inner.trainable_variables)
        teacher_non_trainable = self._teacher_values(
            self.inner.non_trainable_variables
        )
        past, _ = self.inner.stateless_call(
            teacher_trainable,
            teacher_non_trainable,
            model_wrapper.model_inputs(x),
            training=False,
        )
        return self.add_trajectory_loss(loss, y_pred, ops.stop_gradient(past),
                                        sample_weight)

    def get_config(self):
        config = super().get_config()
        config["ema_momentum"] = self.ema_momentum
        return config
