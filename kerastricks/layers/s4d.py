import math

import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import s4d as s4d_ops
from kerastricks.utils import validation


def _constant(values):
    def initializer(shape, dtype=None):
        return ops.cast(np.broadcast_to(values, shape), dtype or "float32")

    return initializer


@kerastricks_export("kerastricks.layers.S4D")
class S4D(keras.layers.Layer):
    """Diagonal state-space layer (S4D) with HiPPO-based initializations.

    Each channel runs its own linear time-invariant state-space model
    `x'(t) = A x(t) + B u(t)`, `y(t) = C x(t) + D u(t)` with a diagonal
    complex `A`, discretized with a learned step size (zero-order hold).
    Because the system is linear and time-invariant, the whole sequence is
    one causal convolution with the kernel `K_l = C exp(dt A)^l B'`,
    computed as a Vandermonde product and applied with an FFT in
    O(L log L). Initializing `A` from the HiPPO-LegS matrix ("legs": the
    eigenvalues of its normal part) makes the state a projection onto
    exponentially warped Legendre polynomials, which is what lets S4 models
    remember over thousands of steps; "lin" and "inv" are the simpler
    spectra of the S4D paper.

    ```python
    A = -exp(log_a_real) + i a_imag        # init by `initialization`
    dt = exp(log_step)                      # log-uniform in [min, max]
    A_bar = exp(dt A);  B_bar = (A_bar - 1) / A          # ZOH, B = 1
    K[l] = 2 Re(sum_n C_n B_bar_n A_bar_n^l)              # Vandermonde
    y = irfft(rfft(u, 2L) * rfft(K, 2L))[:L] + D u        # causal conv
    ```

    Args:
        state_size: positive even int, the state size N of the real
            system (N / 2 complex conjugate pairs are stored). Defaults to
            `64`.
        initialization: `"legs"` (S4D-LegS), `"lin"` (S4D-Lin) or `"inv"`
            (S4D-Inv), the initial spectrum of `A`. Defaults to `"legs"`.
        min_step: float > 0, the smallest initial step size dt. Defaults to
            `1e-3`.
        max_step: float >= `min_step`, the largest initial step size.
            Defaults to `1e-1`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Call arguments:
        inputs: `(batch, time, channels)` with a known time length.

    Returns:
        `(batch, time, channels)`.

    Example:

    >>> layer = kerastricks.layers.S4D(state_size=8)
    >>> x = np.ones((2, 10, 3), "float32")
    >>> tuple(layer(x).shape)
    (2, 10, 3)

    References:
        - [Gu et al., 2022](https://arxiv.org/abs/2206.11893), "On the
          Parameterization and Initialization of Diagonal State Space
          Models".
        - [Gu et al., 2022](https://arxiv.org/abs/2206.12037), "How to
          Train Your HiPPO: State Space Models with Generalized Orthogonal
          Basis Projections".
    """

    def __init__(
        self,
        state_size=64,
        initialization="legs",
        min_step=1e-3,
        max_step=1e-1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.state_size = validation.check_positive_int("state_size",
                                                        state_size)
        if self.state_size % 2:
            raise ValueError(
                "Argument `state_size` must be even (the state holds "
                "complex conjugate pairs). Received: "
                f"state_size={state_size!r}")
        self.initialization = validation.check_one_of(
            "initialization", initialization, s4d_ops.INITIALIZATIONS)
        self.min_step = validation.check_positive("min_step", min_step)
        self.max_step = validation.check_positive("max_step", max_step)
        if self.max_step < self.min_step:
            raise ValueError(
                "Argument `max_step` must be >= `min_step`. Received: "
                f"max_step={max_step!r}, min_step={min_step!r}")

    def build(self, input_shape):
        # (batch, time, channels)
        validation.check_input_rank("S4D", "inputs", input_shape, (3,))
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                "S4D needs a known channel count (last axis) of `inputs`. "
                f"Received: inputs of shape {tuple(input_shape)}")
        modes = self.state_size // 2
        real, imaginary = s4d_ops.s4d_eigenvalues(self.state_size,
                                                  self.initialization)
        self.log_step = self.add_weight(
            name="log_step", shape=(channels,),
            initializer=keras.initializers.RandomUniform(
                math.log(self.min_step), math.log(self.max_step)))
        self.log_a_real = self.add_weight(
            name="log_a_real", shape=(channels, modes),
            initializer=_constant(np.log(-real)))
        self.a_imag = self.add_weight(
            name="a_imag", shape=(channels, modes),
            initializer=_constant(imaginary))
        # C ~ complex standard normal: variance 1/2 per part.
        c_initializer = keras.initializers.RandomNormal(
            stddev=math.sqrt(0.5))
        self.c_real = self.add_weight(name="c_real", shape=(channels, modes),
                                      initializer=c_initializer)
        self.c_imag = self.add_weight(name="c_imag", shape=(channels, modes),
                                      initializer=c_initializer)
        self.skip = self.add_weight(
            name="skip", shape=(channels,),
            initializer=keras.initializers.RandomNormal(stddev=1.0))

    def parameters(self):
        """`(log_step, a_real, a_imag, c_real, c_imag, skip)` in float32,
        the arguments of `kerastricks.ops.s4d_convolution`."""
        def f32(weight):
            return ops.cast(weight, "float32")

        return (f32(self.log_step), -ops.exp(f32(self.log_a_real)),
                f32(self.a_imag), f32(self.c_real), f32(self.c_imag),
                f32(self.skip))

    def call(self, inputs):
        validation.check_input_rank("S4D", "inputs", inputs.shape, (3,))
        validation.check_floating_input("S4D", "inputs", inputs)
        if inputs.shape[1] is None:
            raise ValueError(
                "S4D needs a time length (axis 1) of `inputs` known when "
                "the model is built (the kernel has that length). Received:"
                f" inputs of shape {tuple(inputs.shape)}")
        # Kernel and FFT in float32: exp(dt A l) over long sequences and
        # the FFT's sums lose too much in bfloat16.
        outputs = s4d_ops.s4d_convolution(ops.cast(inputs, "float32"),
                                          *self.parameters())
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "state_size": self.state_size,
                "initialization": self.initialization,
                "min_step": self.min_step,
                "max_step": self.max_step,
            }
        )
        return config
