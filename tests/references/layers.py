"""NumPy references for the pooling layers; no keras here."""

import math

import numpy as np


def np_spatial_pyramid_pooling(x, bins=(1, 2, 4), mode="max"):
    """SPP on a (B, H, W, C) array, bins as in the layer's docstring."""
    batch, height, width, channels = x.shape
    out = []
    for n in bins:
        for i in range(n):
            top, bottom = (math.floor(i * height / n),
                           math.ceil((i + 1) * height / n))
            for j in range(n):
                left, right = (math.floor(j * width / n),
                               math.ceil((j + 1) * width / n))
                window = x[:, top:bottom, left:right, :]
                reduce = np.max if mode == "max" else np.mean
                out.append(reduce(window, axis=(1, 2)))
    return np.concatenate(out, axis=-1)


def np_generalized_mean(x, p, axis, epsilon=1e-6):
    """(mean(clip(x, eps)^p))^(1/p) over `axis`."""
    x = np.maximum(np.asarray(x, dtype="float64"), epsilon)
    return np.mean(x**p, axis=axis) ** (1.0 / p)


def np_group_generalized_mean_pooling(x, p_per_group, epsilon=1e-6):
    """GGeM over the token axes of (B, ..., C): channel group g uses p[g]."""
    x = np.asarray(x, dtype="float64")
    groups = len(p_per_group)
    channels = x.shape[-1]
    size = channels // groups
    axes = tuple(range(1, x.ndim - 1))
    parts = [
        np_generalized_mean(x[..., g * size:(g + 1) * size], p_per_group[g],
                            axes, epsilon)
        for g in range(groups)
    ]
    return np.concatenate(parts, axis=-1)
