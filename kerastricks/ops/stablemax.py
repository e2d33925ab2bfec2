"""StableMax: a softmax replacement that cannot collapse numerically.

From "Grokking at the Edge of Numerical Stability" (Prieto et al., 2025,
arXiv 2501.04697).
"""

import keras
from keras import ops

from kerastricks.utils import validation


def _as_float(x):
    x = ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        dtype = keras.backend.standardize_dtype(x.dtype)
        raise TypeError(
            "StableMax needs floating-point logits. "
            f"Received: logits of dtype {dtype}"
        )
    return x


def stable_map(x):
    """The elementwise map s(x): `x + 1` for x >= 0 and `1 / (1 - x)` below.

    s is positive, monotone and C1 at 0, and grows only linearly, so sums of
    s never overflow where sums of `exp` do. The negative branch is evaluated
    on `min(x, 0)`, so the branch `where` discards is always finite (the
    authors add epsilon=1e-30 to the denominator for the same purpose).
    """
    x = _as_float(x)
    negative_part = ops.minimum(x, 0.0)
    return ops.where(x >= 0, x + 1.0, 1.0 / (1.0 - negative_part))


def log_stable_map(x):
    """log s(x) without forming s: log1p(x) for x >= 0, -log1p(-x) below."""
    x = _as_float(x)
    return ops.where(
        x >= 0,
        ops.log1p(ops.maximum(x, 0.0)),
        -ops.log1p(-ops.minimum(x, 0.0)),
    )


def stablemax(x, axis=-1):
    """StableMax(x)_i = s(x_i) / sum_j s(x_j) along `axis`."""
    s = stable_map(x)
    return s / ops.sum(s, axis=axis, keepdims=True)


def _negative_log_stablemax(x, axis=-1):
    """-log StableMax(x) >= 0, without cancellation for the largest class.

    For every class c, -log p_c = log sum_j s_j - log s_c. For the largest
    class the two logs nearly cancel once it dominates (at logits [0, 1e8]
    both round to 18.420681 and the difference to 0, while the true value is
    about 1e-8), so there it is computed as log1p(sum_{j != c} s_j / s_c),
    which is exact to rounding and positive until that share underflows
    float32 (below ~1e-45). The other classes have p_c <= 1/2, where the
    difference of logs loses nothing, and their ratio could overflow.
    """
    x = _as_float(x)
    s = stable_map(x)
    total = ops.sum(s, axis=axis, keepdims=True)
    difference_of_logs = ops.log(total) - log_stable_map(x)
    is_largest = ops.one_hot(
        ops.argmax(x, axis=axis), x.shape[axis], axis=axis, dtype=s.dtype
    )
    largest = ops.sum(s * is_largest, axis=axis, keepdims=True)
    others = ops.sum(s * (1.0 - is_largest), axis=axis, keepdims=True)
    return ops.where(is_largest > 0, ops.log1p(others / largest),
                     difference_of_logs)


def log_stablemax(x, axis=-1):
    """log StableMax(x) = log s(x_i) - log sum_j s(x_j), computed stably
    (see `_negative_log_stablemax`)."""
    return -_negative_log_stablemax(x, axis=axis)


def stablemax_cross_entropy(y_true, logits, sparse=True, axis=-1):
    """Per-example cross-entropy `-log StableMax(logits)[y]`.

    Args:
        y_true: integer class ids of shape `logits.shape[:-1]` (or with a
            trailing 1) when `sparse=True`; one-hot or soft targets of the
            logits' shape otherwise.
        logits: float tensor of unnormalized scores.
        sparse: whether `y_true` holds class ids. Defaults to `True`.
        axis: the class axis. Defaults to `-1`.

    Returns:
        A tensor of shape `logits.shape` without `axis`. Half-precision logits
        are computed in float32 (the authors cast to float64; float32 suffices
        because s grows linearly, and float64 is missing on some
        accelerators).
    """
    y_true, logits = validation.check_loss_inputs(
        "stablemax_cross_entropy", y_true, logits,
        labels="sparse" if sparse else "dense", axis=axis)
    if keras.backend.standardize_dtype(logits.dtype) in ("float16", "bfloat16"):
        logits = ops.cast(logits, "float32")
    # Weighting -log p (>= 0) rather than negating a weighted log p keeps a
    # loss that rounds to 0 at +0.0, never -0.0.
    negative_log_probs = _negative_log_stablemax(logits, axis=axis)
    if sparse:
        if len(y_true.shape) == len(logits.shape):
            y_true = ops.squeeze(y_true, axis=axis)
        one_hot = ops.one_hot(
            ops.cast(y_true, "int32"), logits.shape[axis], axis=axis,
            dtype=negative_log_probs.dtype,
        )
    else:
        one_hot = ops.cast(y_true, negative_log_probs.dtype)
    return ops.sum(one_hot * negative_log_probs, axis=axis)
