"""The Z-loss of "The Z-loss: a shift and scale invariant classification loss
belonging to the Spherical Family" (de Brébisson and Vincent, 2016,
arXiv 1604.08859).

Not the PaLM-style logit regularizer (`kerastricks.ops.logit_z_loss`).
"""

import keras
from keras import ops

from kerastricks.utils import validation

# Added to the variance of the rescaled logits: only matters when all logits
# of an example are equal, where it keeps z (= 0) and its gradient finite.
_VARIANCE_FLOOR = 1e-12


def _as_float32(x):
    x = ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        dtype = keras.backend.standardize_dtype(x.dtype)
        raise TypeError(
            "ZLoss needs floating-point logits. "
            f"Received: logits of dtype {dtype}"
        )
    if keras.backend.standardize_dtype(x.dtype) in ("float16", "bfloat16"):
        x = ops.cast(x, "float32")
    return x


def standardize_logits(logits, axis=-1):
    """z = (o - mean(o)) / std(o) along `axis` (population std).

    The centred logits are first divided by their largest magnitude (a
    constant for the gradient): z does not change, since it is scale
    invariant, but squaring can then neither overflow nor underflow, so the
    invariance holds at every float32 magnitude.
    """
    logits = _as_float32(logits)
    centred = logits - ops.mean(logits, axis=axis, keepdims=True)
    largest = ops.stop_gradient(
        ops.amax(ops.abs(centred), axis=axis, keepdims=True)
    )
    centred = centred / ops.where(largest > 0, largest, 1.0)
    variance = ops.mean(ops.square(centred), axis=axis, keepdims=True)
    return centred / ops.sqrt(variance + _VARIANCE_FLOOR)


def z_loss(y_true, logits, a=1.0, b=0.0, sparse=True, axis=-1):
    """Per-example Z-loss `softplus(a * (b - z_y)) / a`.

    Args:
        y_true: integer class ids of shape `logits.shape[:-1]` (or with a
            trailing 1) when `sparse=True`; one-hot targets of the logits'
            shape otherwise (soft targets give the target-weighted mean of
            the per-class losses).
        logits: float tensor of unnormalized scores (pre-activations).
        a: positive float, the softplus sharpness. Defaults to `1.0`.
        b: float, the z-score offset. Defaults to `0.0`.
        sparse: whether `y_true` holds class ids. Defaults to `True`.
        axis: the class axis. Defaults to `-1`.

    Returns:
        A float32 tensor of shape `logits.shape` without `axis`.
    """
    y_true, logits = validation.check_loss_inputs(
        "z_loss", y_true, logits, labels="sparse" if sparse else "dense",
        axis=axis)
    z = standardize_logits(logits, axis=axis)
    per_class = ops.softplus(a * (b - z)) / a
    if sparse:
        if len(y_true.shape) == len(z.shape):
            y_true = ops.squeeze(y_true, axis=axis)
        targets = ops.one_hot(
            ops.cast(y_true, "int32"), z.shape[axis], axis=axis,
            dtype=z.dtype,
        )
    else:
        targets = ops.cast(y_true, z.dtype)
    return ops.sum(targets * per_class, axis=axis)
