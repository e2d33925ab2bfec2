import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.rectification import one_minus_power
from kerastricks.optimizers import _adam_family_arguments
from kerastricks.utils import keras_internals
from kerastricks.utils import validation


@kerastricks_export("kerastricks.optimizers.Adan")
class Adan(keras.optimizers.Optimizer):
    """Adaptive Nesterov momentum: Adam with a gradient-difference term.

    Adan reformulates Nesterov momentum so that it needs no extrapolated
    gradient: besides the averages of the gradient (m) and of its square,
    it averages the change between consecutive gradients (d) and adds it to
    both, a look-ahead at no extra forward pass. It trains vision and
    language models with fewer steps than AdamW and tolerates large
    batches and learning rates.

    ```python
    diff = g - g_prev                       # 0 at the first step
    m = beta_1 * m + (1 - beta_1) * g
    d = beta_2 * d + (1 - beta_2) * diff
    n = beta_3 * n + (1 - beta_3) * (g + beta_2 * diff)**2
    u = (m / (1 - beta_1**t) + beta_2 * d / (1 - beta_2**t))
        / (sqrt(n) / sqrt(1 - beta_3**t) + epsilon)
    w = (w - lr * u) / (1 + lr * weight_decay)      # proximal (default)
    w = w * (1 - lr * weight_decay) - lr * u        # no_prox=True
    ```

    The betas follow the authors' code (github.com/sail-sg/Adan), where
    each beta is the decay of its average, as in Keras's Adam: the paper
    writes the complements, (β1, β2, β3) = (0.02, 0.08, 0.01) for our
    (0.98, 0.92, 0.99). This reproduces that code step for step,
    branch-free so the step compiles once.

    Args:
        learning_rate: float, a schedule, or a callable. Defaults to `0.001`.
        beta_1: float in [0, 1), decay of the gradient average. Defaults
            to `0.98`.
        beta_2: float in [0, 1), decay of the gradient-difference average.
            Defaults to `0.92`.
        beta_3: float in [0, 1), decay of the second moment. Defaults to
            `0.99`.
        epsilon: float > 0, added to the denominator. Defaults to `1e-8`.
        max_grad_norm: float >= 0, clip the gradients to this global norm
            before the step (0: no clipping). Implemented with Keras's
            `global_clipnorm`, so it cannot be combined with it. Defaults
            to `0.0`.
        no_prox: bool, apply the decoupled weight decay as AdamW does
            instead of the proximal division. Defaults to `False`.
        weight_decay: float >= 0 or `None`. Defaults to `None` (none); the
            authors use 0.02 for ViTs and ResNets.
        **kwargs: the base options of `keras.optimizers.Optimizer`
            (`clipnorm`, `use_ema`, `gradient_accumulation_steps`, ...).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer=kerastricks.optimizers.Adan(1e-3),
    ...               loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Xie et al., 2022](https://arxiv.org/abs/2208.06677), "Adan:
          Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep
          Models".
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.98,
        beta_2=0.92,
        beta_3=0.99,
        epsilon=1e-8,
        max_grad_norm=0.0,
        no_prox=False,
        weight_decay=None,
        name="adan",
        **kwargs,
    ):
        _adam_family_arguments.check_base_arguments(learning_rate,
                                                    weight_decay)
        max_grad_norm = validation.check_non_negative(
            "max_grad_norm", max_grad_norm
        )
        if max_grad_norm and kwargs.get("global_clipnorm") is not None:
            raise ValueError(
                "Arguments `max_grad_norm` and `global_clipnorm` both clip "
                "the global gradient norm; pass one. Received: "
                f"max_grad_norm={max_grad_norm!r}, "
                f"global_clipnorm={kwargs['global_clipnorm']!r}"
            )
        if max_grad_norm:
            kwargs["global_clipnorm"] = max_grad_norm
        super().__init__(
            learning_rate=learning_rate,
            name=name,
            weight_decay=weight_decay,
            **kwargs,
        )
        self.max_grad_norm = max_grad_norm
        self.beta_1 = _adam_family_arguments.check_beta("beta_1", beta_1)
        self.beta_2 = _adam_family_arguments.check_beta("beta_2", beta_2)
        self.beta_3 = _adam_family_arguments.check_beta("beta_3", beta_3)
        self.epsilon = validation.check_positive("epsilon", epsilon)
        self.no_prox = validation.check_bool("no_prox", no_prox)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        (
            self._momentums,
            self._difference_averages,
            self._velocities,
            self._previous_gradients,
        ) = self.add_optimizer_variables(
            var_list,
            ["momentum", "difference", "velocity", "previous_gradient"],
        )

    # The proximal decay divides after the step, so update_step applies it.
    _apply_weight_decay = keras_internals.skip_base_weight_decay

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        beta_3 = ops.cast(self.beta_3, dtype)
        index = keras_internals.variable_index(self, variable)

        # No previous gradient at the first step: the difference is 0.
        difference = ops.where(
            ops.equal(step, 1.0),
            ops.zeros_like(gradient),
            gradient - self._previous_gradients[index],
        )
        # 1 - beta on the host: 1 - float32(0.999) is off by 1.3e-5.
        m = self._momentums[index] * beta_1 + gradient * (1 - self.beta_1)
        d = self._difference_averages[index] * beta_2 + difference * (
            1 - self.beta_2
        )
        n = self._velocities[index] * beta_3 + ops.square(
            gradient + beta_2 * difference
        ) * (1 - self.beta_3)
        self.assign(self._momentums[index], m)
        self.assign(self._difference_averages[index], d)
        self.assign(self._velocities[index], n)
        self.assign(self._previous_gradients[index], gradient)

        denominator = (
            ops.sqrt(n) / ops.sqrt(one_minus_power(self.beta_3, step))
            + self.epsilon
        )
        direction = (
            m / one_minus_power(self.beta_1, step)
            + beta_2 * d / one_minus_power(self.beta_2, step)
        ) / denominator

        decay = 0.0
        if self.weight_decay and keras_internals.uses_weight_decay(
                self, variable):
            decay = learning_rate * ops.cast(self.weight_decay, dtype)
        if self.no_prox:
            new_value = variable * (1.0 - decay) - learning_rate * direction
        else:
            new_value = (variable - learning_rate * direction) / (1.0 + decay)
        self.assign(variable, new_value)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "beta_3": self.beta_3,
                "epsilon": self.epsilon,
                "max_grad_norm": self.max_grad_norm,
                "no_prox": self.no_prox,
            }
        )
        if self.max_grad_norm:
            # Restored from `max_grad_norm`, not passed twice.
            config["global_clipnorm"] = None
        return config
