"""Diagonal state-space model (S4D): initial spectra, the convolution
kernel, FFT convolution and the recurrent form.

Complex numbers are carried as explicit (real, imaginary) pairs of float32
tensors, so the same code runs on every backend (complex dtypes and their
gradients differ between them).
"""

import numpy as np
from keras import ops

INITIALIZATIONS = ("legs", "lin", "inv")


def hippo_legs_matrix(state_size):
    """The HiPPO-LegS state matrix `A` (`state_size` square, NumPy):
    `A[n, k] = -sqrt(2n+1) sqrt(2k+1)` below the diagonal, `-(n+1)` on it,
    0 above."""
    root = np.sqrt(2.0 * np.arange(state_size) + 1.0)
    matrix = -np.tril(np.outer(root, root), -1)
    return matrix - np.diag(np.arange(state_size) + 1.0)


def s4d_eigenvalues(state_size, initialization="legs"):
    """The `state_size // 2` diagonal entries of S4D's `A`, as NumPy
    `(real, imag)` arrays (the conjugate halves are implied).

    - `"legs"` (S4D-LegS): the eigenvalues of the normal part of HiPPO-LegS,
      `A + P P^T` with `P_n = sqrt(n + 1/2)`, whose real parts are all
      -1/2; those with positive imaginary part, sorted.
    - `"lin"` (S4D-Lin): `-1/2 + i pi n`.
    - `"inv"` (S4D-Inv): `-1/2 + i (N / pi) (N / (2n + 1) - 1)`.
    """
    half = state_size // 2
    real = np.full(half, -0.5)
    if initialization == "lin":
        return real, np.pi * np.arange(half)
    if initialization == "inv":
        return real, state_size / np.pi * (
            state_size / (2.0 * np.arange(half) + 1.0) - 1.0)
    low_rank = np.sqrt(np.arange(state_size) + 0.5)
    normal = hippo_legs_matrix(state_size) + np.outer(low_rank, low_rank)
    # normal = -I/2 + S with S skew-symmetric; -i S is Hermitian and its
    # real eigenvalues are the imaginary parts of S's.
    skew = normal + 0.5 * np.eye(state_size)
    imaginary = np.linalg.eigvalsh(-1j * skew)
    return real, np.sort(imaginary[imaginary > 0])[:half]


def _complex_multiply(a_real, a_imag, b_real, b_imag):
    return a_real * b_real - a_imag * b_imag, a_real * b_imag + a_imag * b_real


def _discretize(log_step, a_real, a_imag, c_real, c_imag):
    """Zero-order hold with B = 1: the per-step factor `exp(dt A)` and the
    output weights `C (exp(dt A) - 1) / A`, each as (real, imag)."""
    step = ops.expand_dims(ops.exp(log_step), -1)
    scaled_real, scaled_imag = step * a_real, step * a_imag
    magnitude = ops.exp(scaled_real)
    decay_real = magnitude * ops.cos(scaled_imag)
    decay_imag = magnitude * ops.sin(scaled_imag)
    numerator_real, numerator_imag = decay_real - 1.0, decay_imag
    norm = a_real * a_real + a_imag * a_imag
    input_real = (numerator_real * a_real + numerator_imag * a_imag) / norm
    input_imag = (numerator_imag * a_real - numerator_real * a_imag) / norm
    weights = _complex_multiply(c_real, c_imag, input_real, input_imag)
    return (scaled_real, scaled_imag), (decay_real, decay_imag), weights


def s4d_kernel(log_step, a_real, a_imag, c_real, c_imag, length):
    """The S4D convolution kernel `(channels, length)`.

    `K[h, l] = 2 Re(sum_n C'[h, n] exp(dt_h A[h, n] l))`, a Vandermonde
    product of the discretized output weights `C' = C (exp(dt A) - 1) / A`
    (zero-order hold, B = 1) with the powers of `exp(dt A)`.

    Args:
        log_step: `(channels,)`, log of the step size dt.
        a_real, a_imag: `(channels, modes)`, the diagonal of A (real part
            negative).
        c_real, c_imag: `(channels, modes)`, the output weights C.
        length: int, the kernel length (the sequence length).
    """
    (scaled_real, scaled_imag), _, (weight_real, weight_imag) = _discretize(
        log_step, a_real, a_imag, c_real, c_imag)
    positions = ops.arange(length, dtype="float32")
    exponent_real = ops.expand_dims(scaled_real, -1) * positions
    exponent_imag = ops.expand_dims(scaled_imag, -1) * positions
    magnitude = ops.exp(exponent_real)
    vandermonde_real = magnitude * ops.cos(exponent_imag)
    vandermonde_imag = magnitude * ops.sin(exponent_imag)
    kernel = (ops.einsum("hn,hnl->hl", weight_real, vandermonde_real)
              - ops.einsum("hn,hnl->hl", weight_imag, vandermonde_imag))
    return 2.0 * kernel


def causal_fft_convolution(inputs, kernel):
    """`y[b, t, h] = sum_{j <= t} kernel[h, j] inputs[b, t - j, h]`, with
    `rfft`/`irfft` of length `2 * time` (no wrap-around).

    Args:
        inputs: `(batch, time, channels)`.
        kernel: `(channels, time)`.
    """
    inputs = ops.convert_to_tensor(inputs)
    length = inputs.shape[1]
    fft_length = 2 * length
    signal = ops.moveaxis(inputs, 1, 2)
    signal_real, signal_imag = ops.rfft(signal, fft_length=fft_length)
    kernel_real, kernel_imag = ops.rfft(kernel, fft_length=fft_length)
    product = _complex_multiply(signal_real, signal_imag, kernel_real,
                                kernel_imag)
    output = ops.irfft(product, fft_length=fft_length)[..., :length]
    return ops.moveaxis(output, 2, 1)


def s4d_convolution(inputs, log_step, a_real, a_imag, c_real, c_imag, skip):
    """The S4D layer's output in convolution form: `causal_fft_convolution`
    of `inputs` `(batch, time, channels)` with `s4d_kernel`, plus
    `skip * inputs` (D)."""
    inputs = ops.convert_to_tensor(inputs)
    kernel = s4d_kernel(log_step, a_real, a_imag, c_real, c_imag,
                        inputs.shape[1])
    return causal_fft_convolution(inputs, kernel) + skip * inputs


def s4d_recurrence(inputs, log_step, a_real, a_imag, c_real, c_imag, skip):
    """The same output in recurrent form, one `keras.ops.scan` step per
    time step: `x_t = exp(dt A) x_{t-1} + (exp(dt A) - 1) / A u_t` and
    `y_t = 2 Re(C x_t) + D u_t` (the state is `(batch, channels, modes)`
    complex). Equal to `s4d_convolution`; suited to step-by-step
    generation rather than training."""
    inputs = ops.convert_to_tensor(inputs)
    _, (decay_real, decay_imag), (weight_real, weight_imag) = _discretize(
        log_step, a_real, a_imag, c_real, c_imag)
    # Folding C into the input weights changes the state by a constant
    # factor per mode and leaves 2 Re(sum_n state) equal to the output.

    def step(state, u):
        # state: (2, batch, channels, modes), the real and imaginary parts
        # stacked (TensorFlow's scan wants its output shaped like one
        # carry tensor).
        state_real, state_imag = _complex_multiply(
            decay_real, decay_imag, state[0], state[1])
        u = ops.expand_dims(u, -1)
        state = ops.stack([state_real + weight_real * u,
                           state_imag + weight_imag * u])
        return state, state

    zeros = ops.zeros((2, ops.shape(inputs)[0]) + tuple(a_real.shape),
                      inputs.dtype)
    _, states = ops.scan(step, zeros, ops.moveaxis(inputs, 1, 0))
    outputs = 2.0 * ops.sum(states[:, 0], axis=-1)
    return ops.moveaxis(outputs, 0, 1) + skip * inputs

