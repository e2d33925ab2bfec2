import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.orthograd import orthogonalize_gradient
from kerastricks.utils import keras_internals
from kerastricks.utils import validation

# The base-optimizer options belong to the wrapped optimizer, not the wrapper.
_INNER_ONLY_OPTIONS = (
    "weight_decay",
    "clipnorm",
    "global_clipnorm",
    "clipvalue",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
)


@kerastricks_export("kerastricks.optimizers.OrthoGrad")
class OrthoGrad(keras.optimizers.Optimizer):
    """⊥Grad: hands any optimizer gradients orthogonal to their weights.

    Once a classifier fits its training set, the cheapest way to lower the
    cross-entropy further is to scale the weights up along their current
    direction ("naive loss minimization"). That inflates the logits until
    softmax collapses numerically and delays or prevents generalization
    (grokking). ⊥Grad removes the component of every gradient along its own
    weight tensor, then restores the gradient's norm, before the wrapped
    optimizer steps. It speeds up grokking without weight decay.

    ```python
    for each variable w with gradient g (both flattened):
        g_perp = g - (w @ g) / (w @ w + epsilon) * w
        g = g_perp * norm(g) / (norm(g_perp) + epsilon)
    optimizer.apply(g)
    ```

    The learning rate and options such as `weight_decay`, `clipnorm` or
    `use_ema` belong to the wrapped optimizer and are refused here (as
    `keras.optimizers.LossScaleOptimizer` refuses them): set them on the
    wrapped optimizer. `OrthoGrad.learning_rate` reads and sets the wrapped
    optimizer's rate, so `keras.callbacks.LearningRateScheduler` works.
    Gradients are transformed before the inner optimizer's clipping and
    weight decay, as in the authors' code.

    Args:
        optimizer: a `keras.optimizers.Optimizer` instance (or its serialized
            dict / string identifier such as `"adamw"`) that applies the
            transformed gradients with its own learning rate.
        epsilon: float > 0, the floor of both denominators. Defaults to
            `1e-30`, the authors' value.
        name: string, the wrapper's name. Defaults to `"orthograd"`.

    Example:

    >>> optimizer = kerastricks.optimizers.OrthoGrad(
    ...     keras.optimizers.SGD(learning_rate=0.1, momentum=0.8))
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer=optimizer, loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Prieto et al., 2025](https://arxiv.org/abs/2501.04697), "Grokking at
          the Edge of Numerical Stability".
    """

    def __init__(self, optimizer, epsilon=1e-30, name="orthograd", **kwargs):
        for option in _INNER_ONLY_OPTIONS:
            value = kwargs.pop(option, None)
            if value not in (None, False, 0.99):
                raise ValueError(
                    f"OrthoGrad does not take `{option}`; set it on the "
                    f"wrapped optimizer instead. Received: {option}={value!r}"
                )
        learning_rate = kwargs.pop("learning_rate", None)
        if learning_rate is not None:
            raise ValueError(
                "OrthoGrad takes its learning rate from the wrapped optimizer "
                "(read and set it as `OrthoGrad.learning_rate`); pass it "
                "there, e.g. `OrthoGrad(keras.optimizers.AdamW("
                "learning_rate=...))`. Received: "
                f"learning_rate={learning_rate!r}"
            )
        if kwargs:
            raise ValueError(
                "OrthoGrad received unknown arguments. Allowed: optimizer, "
                f"epsilon, name. Received: {sorted(kwargs)}"
            )
        super().__init__(learning_rate=0.0, name=name)
        if isinstance(optimizer, (str, dict)):
            optimizer = keras.optimizers.get(optimizer)
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(
                "Argument `optimizer` must be a keras.optimizers.Optimizer, "
                "its name or its serialized dict. Received: "
                f"optimizer={optimizer!r} of type {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.epsilon = validation.check_positive("epsilon", epsilon)

    def build(self, var_list):
        if self.built:
            return
        self.optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        return super().variables + self.optimizer.variables

    @property
    def iterations(self):
        return self.optimizer.iterations

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.optimizer.learning_rate = learning_rate

    def _orthogonalize(self, grads, values):
        return [
            None
            if gradient is None
            else orthogonalize_gradient(gradient, value, self.epsilon)
            for gradient, value in zip(grads, values)
        ]

    def apply(self, grads, trainable_variables=None):
        if not self.built:
            with keras.name_scope(self.name, caller=self):
                self.build(trainable_variables)
            self.built = True
        variables = (
            keras_internals.built_variables(self)
            if trainable_variables is None
            else list(trainable_variables)
        )
        self.optimizer.apply(
            self._orthogonalize(grads, variables), trainable_variables
        )

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        own_count = len(super().variables)
        grads = self._orthogonalize(grads, trainable_variables)
        trainable_variables, inner_variables = self.optimizer.stateless_apply(
            optimizer_variables[own_count:], grads, trainable_variables
        )
        # The wrapper's own state does not change; return values, not
        # `keras.Variable`s, because `LossScaleOptimizer` (mixed precision)
        # calls this inside `ops.cond`, whose branches must return arrays.
        own_values = [
            keras.ops.convert_to_tensor(value)
            for value in optimizer_variables[:own_count]
        ]
        return trainable_variables, own_values + list(inner_variables)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        self.optimizer.exclude_from_weight_decay(var_list, var_names)

    def scale_loss(self, loss):
        return self.optimizer.scale_loss(loss)

    def finalize_variable_values(self, var_list):
        self.optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {
            "name": self.name,
            "optimizer": keras.saving.serialize_keras_object(self.optimizer),
            "epsilon": self.epsilon,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        optimizer = keras.saving.deserialize_keras_object(
            config.pop("optimizer"), custom_objects=custom_objects
        )
        return cls(optimizer, **config)
