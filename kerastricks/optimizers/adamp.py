import keras

from kerastricks import backend
from kerastricks.api_export import kerastricks_export
from kerastricks.optimizers import _adam_family_arguments
from kerastricks.utils import keras_internals
from kerastricks.utils import validation


@kerastricks_export("kerastricks.optimizers.AdamP")
class AdamP(keras.optimizers.Optimizer):
    """Adam that removes the radial part of updates to scale-invariant weights.

    Weights followed by a normalization layer (BatchNorm, LayerNorm) are
    scale-invariant: only their direction matters. With momentum, every step
    also grows their norm, which shrinks the effective learning rate early in
    training. AdamP detects such weights (gradient nearly orthogonal to the
    weight, per output channel or for the whole tensor) and projects the
    radial component out of the Adam step, so the norm stops growing while
    the effective direction is unchanged. Use it as a drop-in for Adam/AdamW
    in models with normalization layers.

    ```python
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    denom = sqrt(v) / sqrt(1 - beta_2**t) + epsilon
    p = (beta_1 * m + (1 - beta_1) * g if nesterov else m) / denom
    if rank(w) > 1 and max_c |cos(g_c, w_c)| < delta / sqrt(dim_c):
        p = p - w_hat_c * <w_hat_c, p>        # per output channel c
        ratio = wd_ratio                      # (then the whole-tensor view)
    w = w * (1 - learning_rate * weight_decay * ratio)
    w = w - learning_rate / (1 - beta_1**t) * p
    ```

    This reproduces the authors' code (github.com/clovaai/AdamP) step for
    step, with output channels on the last axis (Keras layout; PyTorch keeps
    them first). The weight decay is decoupled, computed from the weights
    before the step, and scaled by `wd_ratio` when the projection fires, so
    AdamP applies it itself instead of the base optimizer; it still honours
    `exclude_from_weight_decay`.

    Args:
        learning_rate: float, a schedule, or a callable. Defaults to `0.001`.
        beta_1: float in [0, 1), decay of the first moment. Defaults to `0.9`.
        beta_2: float in [0, 1), decay of the second moment. Defaults to
            `0.999`.
        epsilon: float > 0, added to the denominator and used as the norm
            floor of the projection. Defaults to `1e-8`.
        delta: float > 0, the cosine threshold δ of the scale-invariance test
            (δ / sqrt(view size)). Defaults to `0.1`.
        wd_ratio: float in [0, 1], the factor applied to weight decay when
            the projection fires. Defaults to `0.1`.
        nesterov: bool, use Nesterov momentum. Defaults to `False`.
        weight_decay: float >= 0 or `None`, decoupled weight decay.
            Defaults to `0` (none, as the authors).
        **kwargs: the base options of `keras.optimizers.Optimizer`
            (`clipnorm`, `use_ema`, `gradient_accumulation_steps`, ...).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer=kerastricks.optimizers.AdamP(1e-3), loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Heo et al., 2021](https://arxiv.org/abs/2006.08217), "AdamP:
          Slowing Down the Slowdown for Momentum Optimizers on
          Scale-invariant Weights", ICLR 2021.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        delta=0.1,
        wd_ratio=0.1,
        nesterov=False,
        weight_decay=0,
        name="adamp",
        **kwargs,
    ):
        # Checked before the base class, which accepts any value.
        _adam_family_arguments.check_base_arguments(learning_rate, weight_decay)
        super().__init__(
            learning_rate=learning_rate,
            name=name,
            weight_decay=weight_decay,
            **kwargs,
        )
        self.beta_1 = _adam_family_arguments.check_beta("beta_1", beta_1)
        self.beta_2 = _adam_family_arguments.check_beta("beta_2", beta_2)
        self.epsilon = validation.check_positive("epsilon", epsilon)
        self.delta = validation.check_positive("delta", delta)
        self.wd_ratio = validation.check_in_range("wd_ratio", wd_ratio, 0, 1)
        self.nesterov = validation.check_bool("nesterov", nesterov)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )

    # Weight decay depends on the projection, so update_step applies it.
    _apply_weight_decay = keras_internals.skip_base_weight_decay

    def update_step(self, gradient, variable, learning_rate):
        index = keras_internals.variable_index(self, variable)
        backend.get().adamp_update(
            self.assign,
            variable,
            gradient,
            self._momentums[index],
            self._velocities[index],
            learning_rate,
            self.iterations + 1,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            delta=self.delta,
            wd_ratio=self.wd_ratio,
            weight_decay=_decay_of(self, variable),
            nesterov=self.nesterov,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "delta": self.delta,
                "wd_ratio": self.wd_ratio,
                "nesterov": self.nesterov,
            }
        )
        return config


def _decay_of(optimizer, variable):
    """The decoupled weight decay of `variable`: 0 when the optimizer has
    none or `exclude_from_weight_decay` names the variable."""
    if not optimizer.weight_decay:
        return 0.0
    if not keras_internals.uses_weight_decay(optimizer, variable):
        return 0.0
    return optimizer.weight_decay
