"""Attentional set aggregation (AttSets, "Robust Attentional Aggregation of
Deep Feature Sets for Multi-view 3D Reconstruction", Yang, Wang, Markham and
Trigoni, IJCV 2020, arXiv 1808.00758)."""

import keras
from keras import ops


def attentional_set_pooling(x, scores, mask=None):
    """The attention-weighted sum of a set's elements, feature by feature.

    Each feature d of each element n has its own score `c[n, d]`; a softmax
    over the set axis turns a feature's scores into weights that sum to 1,
    and the output's feature d is the weighted sum of that feature over the
    set. Any permutation of the elements (with their scores) gives the same
    result, and a set of one element returns that element.

    ```python
    s[:, n, d] = exp(c[:, n, d]) / sum over kept m of exp(c[:, m, d])
    y[:, d] = sum over kept n of s[:, n, d] * x[:, n, d]
    ```

    The softmax and sum run in float32 at least; the result has x's dtype.

    Args:
        x: tensor `(batch, set_size, features)`.
        scores: tensor c of x's shape, the attention activations.
        mask: optional bool tensor `(batch, set_size)`, False for padded
            elements, which then get no weight. A set with no kept element
            pools to zeros.

    Returns:
        A tensor `(batch, features)`.

    Example:

    >>> y = kerastricks.ops.attentional_set_pooling(
    ...     np.array([[[1.0], [3.0]]]), np.zeros((1, 2, 1)))
    >>> float(y[0, 0])
    2.0
    """
    x = ops.convert_to_tensor(x)
    dtype = keras.backend.standardize_dtype(x.dtype)
    compute_dtype = "float64" if dtype == "float64" else "float32"
    values = ops.cast(x, compute_dtype)
    scores = ops.cast(scores, compute_dtype)
    if mask is None:
        weights = ops.softmax(scores, axis=1)
    else:
        kept = ops.expand_dims(ops.cast(mask, "bool"), -1)
        # The largest kept score, for a stable exp; a padded element's
        # score (maybe inf or NaN) never enters the arithmetic.
        floor = ops.cast(-3e38 if compute_dtype == "float32" else -1e308,
                         compute_dtype)
        shift = ops.amax(ops.where(kept, scores, floor), axis=1,
                        keepdims=True)
        shift = ops.stop_gradient(ops.where(ops.any(kept, axis=1,
                                                     keepdims=True),
                                            shift, ops.zeros_like(shift)))
        exponentials = ops.where(kept, ops.exp(
            ops.where(kept, scores - shift, ops.zeros_like(scores))), 0.0)
        total = ops.sum(exponentials, axis=1, keepdims=True)
        weights = exponentials / ops.where(total > 0, total,
                                           ops.ones_like(total))
        values = ops.where(kept, values, ops.zeros_like(values))
    return ops.cast(ops.sum(weights * values, axis=1), dtype)
