"""NumPy references for the Haar wavelet layers and the WaveMix block;
no keras here.

The DWT is written as the textbook separable filter bank: filter each
row pair and column pair with the orthonormal Haar analysis filters
h0 = [1, 1] / sqrt(2) (low) and h1 = [1, -1] / sqrt(2) (high; pywt's
`dec_hi` applied as a convolution gives x[2k] - x[2k+1]) and keep every
second sample.
"""

import math

import numpy as np

_LOW = np.array([1.0, 1.0]) / math.sqrt(2.0)
_HIGH = np.array([1.0, -1.0]) / math.sqrt(2.0)


def _analysis(x, axis, taps):
    """Filter pairs of samples along `axis` with `taps` (downsampled)."""
    even = np.take(x, np.arange(0, x.shape[axis], 2), axis=axis)
    odd = np.take(x, np.arange(1, x.shape[axis], 2), axis=axis)
    return taps[0] * even + taps[1] * odd


def np_haar_dwt2d(x):
    """(B, H, W, C) -> (B, H/2, W/2, 4C): [LL, LH, HL, HH], where the first
    letter is the filter along the width and the second along the height
    (pywt's cA, cH, cV, cD)."""
    x = np.asarray(x, dtype="float64")
    bands = []
    for width_taps, height_taps in ((_LOW, _LOW), (_LOW, _HIGH),
                                    (_HIGH, _LOW), (_HIGH, _HIGH)):
        along_width = _analysis(x, 2, width_taps)
        bands.append(_analysis(along_width, 1, height_taps))
    return np.concatenate(bands, axis=-1)


def _synthesis(low, high, axis):
    """Inverse of one analysis step along `axis`: upsample and filter."""
    even = _LOW[0] * low + _HIGH[0] * high
    odd = _LOW[1] * low + _HIGH[1] * high
    shape = list(low.shape)
    shape[axis] *= 2
    out = np.empty(shape)
    index = [slice(None)] * low.ndim
    index[axis] = slice(0, None, 2)
    out[tuple(index)] = even
    index[axis] = slice(1, None, 2)
    out[tuple(index)] = odd
    return out


def np_inverse_haar_dwt2d(bands):
    """(B, h, w, 4C) in the layout of `np_haar_dwt2d` -> (B, 2h, 2w, C)."""
    ll, lh, hl, hh = np.split(np.asarray(bands, dtype="float64"), 4, axis=-1)
    low_width = _synthesis(ll, lh, axis=1)
    high_width = _synthesis(hl, hh, axis=1)
    return _synthesis(low_width, high_width, axis=2)


def np_gelu(x):
    """Exact GELU, x * Phi(x)."""
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def np_conv1x1(x, kernel, bias):
    """A 1x1 convolution of (B, H, W, C_in); kernel (1, 1, C_in, C_out)."""
    return x @ kernel[0, 0] + bias


def np_conv_transpose_stride2(x, kernel, bias):
    """Transposed 4x4 convolution, stride 2, one pixel cropped on each
    side (PyTorch's `padding=1`), so (H, W) becomes (2H, 2W).

    `kernel` has the Keras layout (4, 4, C_out, C_in): input pixel (i, j)
    adds `x[i, j] @ kernel[p, q].T` at output pixel (2i + p - 1,
    2j + q - 1).
    """
    batch, height, width, _ = x.shape
    size = kernel.shape[0]
    full = np.zeros((batch, 2 * height + size - 2, 2 * width + size - 2,
                     kernel.shape[2]))
    for p in range(size):
        for q in range(size):
            contribution = x @ kernel[p, q].T
            full[:, p:p + 2 * height:2, q:q + 2 * width:2] += contribution
    return full[:, 1:1 + 2 * height, 1:1 + 2 * width] + bias


def np_wavemix_block(x, weights, epsilon=1e-5):
    """The WaveMix block in inference mode (no dropout, BatchNorm with its
    moving statistics). `weights` maps reduction/expand/project/upsample
    to (kernel, bias) and norm to (gamma, beta, moving_mean,
    moving_variance)."""
    x = np.asarray(x, dtype="float64")
    y = np_conv1x1(x, *weights["reduction"])
    y = np_haar_dwt2d(y)
    y = np_gelu(np_conv1x1(y, *weights["expand"]))
    y = np_conv1x1(y, *weights["project"])
    y = np_conv_transpose_stride2(y, *weights["upsample"])
    gamma, beta, mean, variance = weights["norm"]
    y = (y - mean) / np.sqrt(variance + epsilon) * gamma + beta
    return x + y
