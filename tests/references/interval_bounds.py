"""NumPy reference of interval arithmetic through Dense, Conv2D,
BatchNormalization (inference) and ReLU layers (Gowal et al., arXiv
1810.12715, eqs. 6-7), written entry by entry from the definition
[a, b] * w = [min(a w, b w), max(a w, b w)]; no keras here."""

import numpy as np


def _interval_product(lower, upper, weight):
    products = np.stack([lower * weight, upper * weight])
    return products.min(axis=0), products.max(axis=0)


def np_dense(lower, upper, kernel, bias=None):
    lower = np.asarray(lower, "float64")
    upper = np.asarray(upper, "float64")
    batch, (inputs, outputs) = len(lower), kernel.shape
    out_lower = np.zeros((batch, outputs))
    out_upper = np.zeros((batch, outputs))
    for j in range(outputs):
        for i in range(inputs):
            low, high = _interval_product(lower[:, i], upper[:, i],
                                          kernel[i, j])
            out_lower[:, j] += low
            out_upper[:, j] += high
    if bias is not None:
        out_lower += bias
        out_upper += bias
    return out_lower, out_upper


def np_conv2d_valid(lower, upper, kernel, bias=None, stride=1):
    """Channels-last, 'valid' padding."""
    lower = np.asarray(lower, "float64")
    upper = np.asarray(upper, "float64")
    batch, height, width, _ = lower.shape
    size_h, size_w, _, filters = kernel.shape
    out_h = (height - size_h) // stride + 1
    out_w = (width - size_w) // stride + 1
    out_lower = np.zeros((batch, out_h, out_w, filters))
    out_upper = np.zeros((batch, out_h, out_w, filters))
    for row in range(out_h):
        for col in range(out_w):
            patch = (slice(None), slice(row * stride, row * stride + size_h),
                     slice(col * stride, col * stride + size_w))
            for f in range(filters):
                low, high = _interval_product(lower[patch], upper[patch],
                                              kernel[..., f])
                out_lower[:, row, col, f] = low.sum(axis=(1, 2, 3))
                out_upper[:, row, col, f] = high.sum(axis=(1, 2, 3))
    if bias is not None:
        out_lower += bias
        out_upper += bias
    return out_lower, out_upper


def np_batch_norm(lower, upper, gamma, beta, mean, variance, epsilon):
    scale = gamma / np.sqrt(variance + epsilon)
    low, high = _interval_product(np.asarray(lower, "float64"),
                                  np.asarray(upper, "float64"), scale)
    shift = beta - mean * scale
    return low + shift, high + shift


def np_relu(lower, upper):
    return np.maximum(lower, 0.0), np.maximum(upper, 0.0)
