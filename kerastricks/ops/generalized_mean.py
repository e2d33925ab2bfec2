"""Generalized-mean (GeM) pooling and its channel-group variant (GGeM,
"Group Generalized Mean Pooling for Vision Transformer", Ko et al., 2022,
arXiv 2212.04114)."""

import keras
from keras import ops


def generalized_mean(x, p, axis, epsilon=1e-6):
    """`mean(max(x, epsilon) ** p, axis) ** (1 / p)`; p broadcasts against the
    result. p = 1 is the average of the clamped values; p -> inf the max.

    Computed in the log domain, `exp(log_mean_exp(p * log x) / p)`, with the
    largest term factored out of the mean: `epsilon ** p` underflows float32
    from p of about 7 (for the default epsilon), which made a channel whose
    values are all at or below epsilon (a dead ReLU channel) pool to 0 with
    a NaN gradient for p. Here every value and gradient stays finite.
    """
    log_x = ops.log(ops.maximum(x, epsilon))
    rank = len(log_x.shape)
    axes = sorted(a % rank for a in _as_tuple(axis))
    p = ops.cast(p, log_x.dtype)
    # p broadcasts against the result: give it the result's rank, then a
    # size-1 axis at every pooled axis, so it broadcasts against x.
    result_rank = rank - len(axes)
    p = ops.reshape(p, (1,) * (result_rank - len(p.shape)) + tuple(p.shape))
    p_over_x = p
    for pooled_axis in axes:
        p_over_x = ops.expand_dims(p_over_x, pooled_axis)
    scaled = p_over_x * log_x
    # The largest term is a constant for the gradient: the result does not
    # depend on the shift.
    axes = tuple(axes)
    shift = ops.stop_gradient(ops.amax(scaled, axis=axes, keepdims=True))
    log_mean = ops.log(ops.mean(ops.exp(scaled - shift), axis=axes))
    log_mean = log_mean + ops.squeeze(shift, axis=axes)
    return ops.exp(log_mean / p)


def _as_tuple(axis):
    return tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)


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
