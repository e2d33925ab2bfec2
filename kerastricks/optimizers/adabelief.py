import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.rectification import one_minus_power
from kerastricks.ops.rectification import rectified_direction
from kerastricks.optimizers import _adam_family_arguments
from kerastricks.utils import keras_internals
from kerastricks.utils import validation


@kerastricks_export("kerastricks.optimizers.AdaBelief")
class AdaBelief(keras.optimizers.Optimizer):
    """Adam whose step size follows the belief in the observed gradient.

    Adam divides by the running mean of g²; AdaBelief divides by the
    running variance of g around its prediction m, the "belief". When the
    gradient agrees with the momentum (a smooth slope) the denominator is
    small and the step large; when it deviates (a noisy or curved region)
    the step shrinks. It trains like Adam and generalizes closer to SGD on
    image classification.

    ```python
    g = g + weight_decay * w                # only if not decoupled
    m = beta_1 * m + (1 - beta_1) * g
    s = beta_2 * s + (1 - beta_2) * (g - m)**2 + epsilon
    w = w * (1 - lr * weight_decay)         # only if decoupled
    if not rectify:
        w = w - lr / (1 - beta_1**t)
                  * m / (sqrt(s) / sqrt(1 - beta_2**t) + epsilon)
    else:                                   # RAdam's rectification
        if rho_t >= rectify_threshold:
            w = w - lr * r_t * sqrt(1 - beta_2**t) / (1 - beta_1**t)
                      * m / (sqrt(s) + epsilon)
        elif degenerated_to_sgd:
            w = w - lr * m / (1 - beta_1**t)
    ```

    epsilon is added inside s_t and stays in the state, as in the paper's
    Algorithm 2 and the authors' code (github.com/juntang-zhuang/
    Adabelief-Optimizer, `adabelief-pytorch` 0.2), which this reproduces
    step for step, branch-free so the step compiles once.

    Args:
        learning_rate: float, a schedule, or a callable. Defaults to `0.001`.
        beta_1: float in [0, 1), decay of the first moment. Defaults to
            `0.9`.
        beta_2: float in [0, 1), decay of the belief s. Defaults to
            `0.999`.
        epsilon: float > 0, added to s_t and to the denominator. Defaults
            to `1e-16`, the authors' default since `adabelief-pytorch`
            0.1 (they suggest `1e-8` where SGD beats Adam, e.g. CNNs).
        decoupled_weight_decay: bool, decay the weights directly (AdamW
            style, the authors' default) instead of adding
            `weight_decay * w` to the gradient. Defaults to `True`.
        rectify: bool, RAdam's rectified steps (the authors' package
            turns this on; the paper's algorithm does not). Defaults to
            `False`.
        rectify_threshold: float >= 4, the smallest rho_t that takes the
            adaptive step when `rectify`. Defaults to `5.0`, the authors'
            code.
        degenerated_to_sgd: bool, when `rectify`, take momentum-SGD steps
            while rho_t is below the threshold (else skip them). Defaults
            to `True`.
        weight_decay: float >= 0 or `None`. Defaults to `None` (none).
        **kwargs: the base options of `keras.optimizers.Optimizer`
            (`clipnorm`, `use_ema`, `gradient_accumulation_steps`, ...).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer=kerastricks.optimizers.AdaBelief(1e-3),
    ...               loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Zhuang et al., 2020](https://arxiv.org/abs/2010.07468),
          "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
          Observed Gradients", NeurIPS 2020.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-16,
        decoupled_weight_decay=True,
        rectify=False,
        rectify_threshold=5.0,
        degenerated_to_sgd=True,
        weight_decay=None,
        name="adabelief",
        **kwargs,
    ):
        _adam_family_arguments.check_base_arguments(learning_rate,
                                                    weight_decay)
        super().__init__(
            learning_rate=learning_rate,
            name=name,
            weight_decay=weight_decay,
            **kwargs,
        )
        self.beta_1 = _adam_family_arguments.check_beta("beta_1", beta_1)
        self.beta_2 = _adam_family_arguments.check_beta("beta_2", beta_2)
        self.epsilon = validation.check_positive("epsilon", epsilon)
        self.decoupled_weight_decay = validation.check_bool(
            "decoupled_weight_decay", decoupled_weight_decay
        )
        self.rectify = validation.check_bool("rectify", rectify)
        self.rectify_threshold = _adam_family_arguments.check_rectify_threshold(
            rectify_threshold)
        self.degenerated_to_sgd = validation.check_bool(
            "degenerated_to_sgd", degenerated_to_sgd
        )

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._beliefs = self.add_optimizer_variables(
            var_list, ["momentum", "belief"]
        )

    # Coupled decay enters the gradient, so update_step applies both kinds.
    _apply_weight_decay = keras_internals.skip_base_weight_decay

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        index = keras_internals.variable_index(self, variable)

        decays = bool(self.weight_decay) and keras_internals.uses_weight_decay(
            self, variable)
        weight_decay = ops.cast(self.weight_decay or 0.0, dtype)
        if decays and not self.decoupled_weight_decay:
            gradient = gradient + weight_decay * variable
        # 1 - beta on the host: 1 - float32(0.999) is off by 1.3e-5.
        m = self._momentums[index] * beta_1 + gradient * (1 - self.beta_1)
        s = (
            self._beliefs[index] * beta_2
            + ops.square(gradient - m) * (1 - self.beta_2)
            + self.epsilon
        )
        self.assign(self._momentums[index], m)
        self.assign(self._beliefs[index], s)

        if self.rectify:
            direction, _ = rectified_direction(
                m, s, step, self.beta_1, self.beta_2, self.epsilon,
                self.rectify_threshold, self.degenerated_to_sgd,
            )
        else:
            bias_correction_1 = one_minus_power(self.beta_1, step)
            bias_correction_2 = one_minus_power(self.beta_2, step)
            denominator = (
                ops.sqrt(s) / ops.sqrt(bias_correction_2) + self.epsilon
            )
            direction = m / (bias_correction_1 * denominator)

        new_value = variable
        if decays and self.decoupled_weight_decay:
            new_value = new_value * (1.0 - learning_rate * weight_decay)
        self.assign(variable, new_value - learning_rate * direction)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "decoupled_weight_decay": self.decoupled_weight_decay,
                "rectify": self.rectify,
                "rectify_threshold": self.rectify_threshold,
                "degenerated_to_sgd": self.degenerated_to_sgd,
            }
        )
        return config
