"""NumPy reference for FLoRA ("FLoRA: Low-Rank Core Space for N-dimension",
Si et al., 2024, arXiv 2405.14739): the Tucker-form update, written with one
einsum over all axes at once. Never imports keras or kerastricks.
"""

import string

import numpy as np


def np_flora_delta(core, factors, scale=1.0):
    """`scale * G x_1 U_1 ... x_N U_N`, U_i of shape (n_i, r_i)."""
    core = np.asarray(core, np.float64)
    rank_letters = string.ascii_lowercase[:core.ndim]
    size_letters = string.ascii_uppercase[:core.ndim]
    operands = ",".join(
        [rank_letters]
        + [size + rank for size, rank in zip(size_letters, rank_letters)])
    return scale * np.einsum(f"{operands}->{size_letters}", core,
                             *[np.asarray(f, np.float64) for f in factors])


def np_dense(x, kernel, bias=None):
    y = np.asarray(x, np.float64) @ np.asarray(kernel, np.float64)
    return y if bias is None else y + bias


def np_conv2d_valid(x, kernel, bias=None):
    """A 'valid', stride-1 channels-last 2-D convolution (cross-correlation,
    as Keras), by explicit sums over the taps."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    kh, kw = kernel.shape[:2]
    batch, height, width, _ = x.shape
    out = np.zeros((batch, height - kh + 1, width - kw + 1, kernel.shape[-1]))
    for i in range(kh):
        for j in range(kw):
            window = x[:, i:i + out.shape[1], j:j + out.shape[2], :]
            out += window @ kernel[i, j]
    return out if bias is None else out + bias
