import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.rectification import rectified_direction
from kerastricks.optimizers import _adam_family_arguments
from kerastricks.utils import keras_internals
from kerastricks.utils import validation


@kerastricks_export("kerastricks.optimizers.RAdam")
class RAdam(keras.optimizers.Optimizer):
    """Rectified Adam: Adam without the need for a learning-rate warmup.

    Early in training Adam's second-moment estimate rests on a handful of
    gradients, so the adaptive learning rate has a huge variance; that is
    why Adam usually needs a warmup. RAdam estimates the degrees of freedom
    rho_t of that estimate, takes un-adapted momentum-SGD steps while
    rho_t is small, and afterwards scales the adaptive step by the
    rectifier r_t that makes its variance constant.

    ```python
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    rho_inf = 2 / (1 - beta_2) - 1
    rho_t = rho_inf - 2 * t * beta_2**t / (1 - beta_2**t)
    if rho_t >= rectify_threshold:
        r_t = sqrt((rho_t - 4) (rho_t - 2) rho_inf
                   / ((rho_inf - 4) (rho_inf - 2) rho_t))
        w = w - lr * weight_decay * w
        w = w - lr * r_t * sqrt(1 - beta_2**t) / (1 - beta_1**t)
                  * m / (sqrt(v) + epsilon)
    elif degenerated_to_sgd:
        w = w - lr * weight_decay * w
        w = w - lr * m / (1 - beta_1**t)
    ```

    This is the authors' code (github.com/LiyuanLucasLiu/RAdam) step for
    step, branch-free (`where` on the step counter) so the step compiles
    once. Weight decay is decoupled and, as in the authors' code, skipped
    with the whole step when neither branch applies.

    Args:
        learning_rate: float, a schedule, or a callable. Defaults to `0.001`.
        beta_1: float in [0, 1), decay of the first moment. Defaults to
            `0.9`.
        beta_2: float in [0, 1), decay of the second moment. Defaults to
            `0.999`.
        epsilon: float > 0, added to `sqrt(v)`. Defaults to `1e-8`.
        rectify_threshold: float >= 4, the smallest rho_t that takes the
            adaptive step. Defaults to `5.0`, the authors' code (their
            paper's Algorithm 2 writes rho_t > 4, which `4.0` gives).
        degenerated_to_sgd: bool, take momentum-SGD steps while rho_t is
            below the threshold (the paper's Algorithm 2); `False` skips
            those steps. Defaults to `True`.
        weight_decay: float >= 0 or `None`, decoupled weight decay.
            Defaults to `None` (none).
        **kwargs: the base options of `keras.optimizers.Optimizer`
            (`clipnorm`, `use_ema`, `gradient_accumulation_steps`, ...).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer=kerastricks.optimizers.RAdam(1e-3),
    ...               loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Liu et al., 2020](https://arxiv.org/abs/1908.03265), "On the
          Variance of the Adaptive Learning Rate and Beyond", ICLR 2020.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        rectify_threshold=5.0,
        degenerated_to_sgd=True,
        weight_decay=None,
        name="radam",
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
        self.rectify_threshold = _adam_family_arguments.check_rectify_threshold(
            rectify_threshold)
        self.degenerated_to_sgd = validation.check_bool(
            "degenerated_to_sgd", degenerated_to_sgd
        )

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )

    # The authors skip the decay together with a skipped step.
    _apply_weight_decay = keras_internals.skip_base_weight_decay

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        index = keras_internals.variable_index(self, variable)
        # 1 - beta on the host: 1 - float32(0.999) is off by 1.3e-5.
        m = self._momentums[index] * beta_1 + gradient * (1 - self.beta_1)
        v = self._velocities[index] * beta_2 + ops.square(gradient) * (
            1 - self.beta_2
        )
        self.assign(self._momentums[index], m)
        self.assign(self._velocities[index], v)

        direction, adaptive = rectified_direction(
            m, v, step, self.beta_1, self.beta_2, self.epsilon,
            self.rectify_threshold, self.degenerated_to_sgd,
        )

        new_value = variable - learning_rate * direction
        if self.weight_decay and keras_internals.uses_weight_decay(
                self, variable):
            steps = ops.logical_or(adaptive, self.degenerated_to_sgd)
            decay = learning_rate * ops.cast(self.weight_decay, dtype)
            new_value = new_value - ops.where(steps, decay, 0.0) * variable
        self.assign(variable, new_value)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "rectify_threshold": self.rectify_threshold,
                "degenerated_to_sgd": self.degenerated_to_sgd,
            }
        )
        return config
