"""Generalized-mean (GeM) pooling and its channel-group variant (GGeM,
"Group Generalized Mean Pooling for Vision Transformer", Ko et al., 2022,
arXiv 2212.04114)."""

import keras
from keras import ops


def generalized_mean(x, p, axis, epsilon=1e-6):
    """`mean(max(x, epsilon) ** p, axis) ** (1 / p)`; p broadcasts against the
    result. p = 1 is the average of the clamped values; p -> inf the max."""
    x = ops.maximum(x, epsilon)
    return ops.power(ops.mean(ops.power(x, p), axis=axis), 1.0 / p)


def group_generalized_mean_pooling(x, p, epsilon=1e-6):
    """GGeM over every axis between batch and channels of `(B, ..., C)`.

    `p` has one exponent per channel group, shape `(groups,)`; the channels
    are split into contiguous groups of `C // groups`. Computed in float32
    (x ** p overflows half precision quickly); returns `(B, C)` in x's dtype.
    """
    dtype = keras.backend.standardize_dtype(x.dtype)
    compute = "float64" if dtype == "float64" else "float32"
    x = ops.cast(x, compute)
    p = ops.cast(p, compute)
    groups = p.shape[0]
    channels = x.shape[-1]
    pooled_axes = tuple(range(1, len(x.shape) - 1))
    grouped_shape = tuple(x.shape[1:-1]) + (groups, channels // groups)
    x = ops.reshape(x, (-1,) + grouped_shape)
    pooled = generalized_mean(x, p[:, None], pooled_axes, epsilon)
    return ops.cast(ops.reshape(pooled, (-1, channels)), dtype)
