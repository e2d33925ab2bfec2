import keras

from kerastricks import backend
from kerastricks.api_export import kerastricks_export
from kerastricks.optimizers import _adam_family_arguments
from kerastricks.optimizers.adamp import _decay_of
from kerastricks.utils import keras_internals
from kerastricks.utils import validation


@kerastricks_export("kerastricks.optimizers.SGDP")
class SGDP(keras.optimizers.Optimizer):
    """SGD that removes the radial part of steps to scale-invariant weights.

    The SGD counterpart of `AdamP`: for weights followed by normalization,
    momentum inflates the weight norm and so shrinks the effective step size.
    SGDP projects the radial component out of the momentum step of such
    weights (detected per output channel, then for the whole tensor) and
    scales their weight decay by `wd_ratio`.

    ```python
    buf = momentum * buf + (1 - dampening) * g
    p = g + momentum * buf if nesterov else buf
    if rank(w) > 1 and max_c |cos(g_c, w_c)| < delta / sqrt(dim_c):
        p = p - w_hat_c * <w_hat_c, p>      # per output channel c
        ratio = wd_ratio                    # (then the whole-tensor view)
    w = w * (1 - learning_rate * weight_decay * ratio / (1 - momentum))
    w = w - learning_rate * p
    ```

    This follows Algorithm 1 of the paper: the momentum buffer itself is never
    projected. The authors' PyTorch `SGDP` with `nesterov=False` projects the
    step in place, and since that step *is* the buffer, it also projects the
    buffer (an aliasing side effect); results then differ from ours after the
    first projected step. The weight-decay factor `1 / (1 - momentum)` is the
    authors'. Output channels are on the last axis (Keras layout).

    Args:
        learning_rate: float, a schedule, or a callable. Defaults to `0.01`.
        momentum: float in [0, 1). Defaults to `0`.
        dampening: float in [0, 1], damping of the gradient added to the
            buffer. Defaults to `0`.
        nesterov: bool, use Nesterov momentum. Defaults to `False`.
        epsilon: float > 0, the norm floor of the projection. Defaults to
            `1e-8`.
        delta: float > 0, the cosine threshold δ. Defaults to `0.1`.
        wd_ratio: float in [0, 1], the factor applied to weight decay when the
            projection fires. Defaults to `0.1`.
        weight_decay: float >= 0 or `None`, decoupled weight decay.
            Defaults to `0` (none).
        **kwargs: the base options of `keras.optimizers.Optimizer`.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> optimizer = kerastricks.optimizers.SGDP(0.1, momentum=0.9)
    >>> model.compile(optimizer=optimizer, loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Heo et al., 2021](https://arxiv.org/abs/2006.08217), "AdamP:
          Slowing Down the Slowdown for Momentum Optimizers on
          Scale-invariant Weights", ICLR 2021.
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0,
        dampening=0,
        nesterov=False,
        epsilon=1e-8,
        delta=0.1,
        wd_ratio=0.1,
        weight_decay=0,
        name="sgdp",
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
        self.momentum = validation.check_in_range(
            "momentum", momentum, 0, 1, high_inclusive=False
        )
        self.dampening = validation.check_in_range("dampening", dampening, 0, 1)
        self.nesterov = validation.check_bool("nesterov", nesterov)
        self.epsilon = validation.check_positive("epsilon", epsilon)
        self.delta = validation.check_positive("delta", delta)
        self.wd_ratio = validation.check_in_range("wd_ratio", wd_ratio, 0, 1)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = []
        if self.momentum:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")

    # Weight decay depends on the projection, so update_step applies it.
    _apply_weight_decay = keras_internals.skip_base_weight_decay

    def update_step(self, gradient, variable, learning_rate):
        buffer = None
        if self.momentum:
            buffer = self._momentums[
                keras_internals.variable_index(self, variable)]
        backend.get().sgdp_update(
            self.assign,
            variable,
            gradient,
            buffer,
            learning_rate,
            momentum=self.momentum,
            dampening=self.dampening,
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
                "momentum": self.momentum,
                "dampening": self.dampening,
                "nesterov": self.nesterov,
                "epsilon": self.epsilon,
                "delta": self.delta,
                "wd_ratio": self.wd_ratio,
            }
        )
        return config
