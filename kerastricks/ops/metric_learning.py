"""Metric-learning losses with the definitions of tensorflow-addons: triplet
loss with semi-hard (Schroff et al., 2015, arXiv 1503.03832) and hard
(Hermans et al., 2017, arXiv 1703.07737) mining, the contrastive margin loss
(Hadsell, Chopra and LeCun, 2006) and the N-pair loss (Sohn, 2016).

Mining is written with (batch, batch) and (batch, batch, batch) masks of
static shape, so it traces once under `jit` on every backend.
"""

import keras
from keras import ops

DISTANCE_METRICS = ("L2", "squared-L2", "angular")


def _as_float32(x):
    """Half-precision inputs are upcast, as tensorflow-addons does: the
    distances subtract nearly equal numbers."""
    x = ops.convert_to_tensor(x)
    if keras.backend.standardize_dtype(x.dtype) in ("float16", "bfloat16"):
        x = ops.cast(x, "float32")
    return x


def pairwise_distance(embeddings, distance_metric="L2"):
    """The (batch, batch) distance matrix of `embeddings` (batch, dim).

    `"L2"` and `"squared-L2"` expand |a - b|^2 = |a|^2 + |b|^2 - 2 a.b,
    clip it at 0 and give exactly 0 on the diagonal (where the square root
    would have an infinite gradient); `"angular"` is 1 - cosine similarity,
    clipped at 0. A callable `distance_metric(embeddings)` returns its own
    matrix.
    """
    embeddings = _as_float32(embeddings)
    if callable(distance_metric):
        return distance_metric(embeddings)
    if distance_metric == "angular":
        squared_norms = ops.sum(ops.square(embeddings), axis=1, keepdims=True)
        unit = embeddings * ops.rsqrt(ops.maximum(squared_norms, 1e-12))
        return ops.maximum(1.0 - ops.matmul(unit, ops.transpose(unit)), 0.0)
    squared_norms = ops.sum(ops.square(embeddings), axis=1, keepdims=True)
    squared = (squared_norms + ops.transpose(squared_norms)
               - 2.0 * ops.matmul(embeddings, ops.transpose(embeddings)))
    squared = ops.maximum(squared, 0.0)
    is_zero = ops.logical_or(ops.less_equal(squared, 0.0),
                             ops.eye(ops.shape(squared)[0], dtype="bool"))
    if distance_metric == "squared-L2":
        return ops.where(is_zero, 0.0, squared)
    # The square root is taken of 1 where the distance is 0, so that its
    # gradient stays finite there; those entries are then set to 0.
    return ops.where(is_zero, 0.0, ops.sqrt(ops.where(is_zero, 1.0, squared)))


def _label_masks(labels):
    """(same label, distinct positives, negatives) as (batch, batch)
    bools."""
    labels = ops.reshape(labels, (-1,))
    same = ops.equal(labels[:, None], labels[None, :])
    is_self = ops.eye(ops.shape(labels)[0], dtype="bool")
    return same, ops.logical_and(same, ops.logical_not(is_self)), (
        ops.logical_not(same))


def _masked_min(values, mask, fallback, axis=-1):
    """min of `values` where `mask` along `axis`, `fallback` where the mask
    is empty."""
    largest = ops.amax(values, axis=axis, keepdims=True)
    found = ops.amin(ops.where(mask, values, largest), axis=axis)
    return ops.where(ops.any(mask, axis=axis), found, fallback)


def _masked_max(values, mask, fallback, axis=-1):
    smallest = ops.amin(values, axis=axis, keepdims=True)
    found = ops.amax(ops.where(mask, values, smallest), axis=axis)
    return ops.where(ops.any(mask, axis=axis), found, fallback)


def triplet_semihard_loss(labels, embeddings, margin=1.0,
                          distance_metric="L2", sample_weight=None):
    """The triplet loss with semi-hard negative mining, one value per batch.

    For every anchor a and positive p (same label, p != a) the negative is
    the closest n with d(a, n) > d(a, p) (semi-hard); when there is none,
    the farthest negative of a (when a has no negative at all, the smallest
    entry of its distance row, as tensorflow-addons). The loss is the mean
    over all (a, p) pairs of max(margin + d(a, p) - d(a, n), 0); with
    `sample_weight` (batch,), pairs are weighted by their anchor's weight.
    A batch without any positive pair gives 0 (tensorflow-addons: NaN).
    """
    distances = pairwise_distance(embeddings, distance_metric)
    _, positive, negative = _label_masks(labels)
    anchor_to_positive = distances[:, :, None]   # [a, p, 1]
    anchor_to_negative = distances[:, None, :]   # [a, 1, n]
    farther = ops.logical_and(negative[:, None, :],
                              ops.greater(anchor_to_negative,
                                          anchor_to_positive))
    row_min = ops.amin(distances, axis=1)
    hardest_negative = _masked_max(distances, negative, row_min)
    chosen = _masked_min(
        ops.broadcast_to(anchor_to_negative, ops.shape(farther)), farther,
        hardest_negative[:, None])
    hinge = ops.maximum(margin + distances - chosen, 0.0)
    weights = ops.cast(positive, distances.dtype)
    if sample_weight is not None:
        sample_weight = ops.cast(ops.reshape(sample_weight, (-1,)),
                                 distances.dtype)
        weights = weights * sample_weight[:, None]
    total_weight = ops.sum(weights)
    return ops.where(
        total_weight > 0,
        ops.sum(weights * hinge) / ops.maximum(total_weight, 1e-12), 0.0)


def triplet_hard_loss(labels, embeddings, margin=1.0, soft=False,
                      distance_metric="L2"):
    """Per-anchor triplet loss with batch-hard mining (its mean is
    tensorflow-addons' `triplet_hard_loss`).

    For anchor a: the farthest positive d_p (when a has none, the smallest
    entry of its distance row) and the closest negative d_n (when a has
    none, the largest entry of its row); the loss is
    max(d_p - d_n + margin, 0), or softplus(d_p - d_n) when `soft`.
    """
    distances = pairwise_distance(embeddings, distance_metric)
    _, positive, negative = _label_masks(labels)
    hardest_positive = _masked_max(distances, positive,
                                   ops.amin(distances, axis=1))
    hardest_negative = _masked_min(distances, negative,
                                   ops.amax(distances, axis=1))
    gap = hardest_positive - hardest_negative
    if soft:
        return ops.softplus(gap)
    return ops.maximum(gap + margin, 0.0)


def contrastive_margin_loss(y_true, distances, margin=1.0):
    """Elementwise y d^2 + (1 - y) max(margin - d, 0)^2 on distances `d` of
    pairs, y = 1 for a similar pair (Hadsell et al., 2006)."""
    distances = _as_float32(distances)
    y_true = ops.cast(y_true, distances.dtype)
    return (y_true * ops.square(distances) + (1.0 - y_true)
            * ops.square(ops.maximum(margin - distances, 0.0)))


def npairs_loss(labels, similarities):
    """Per-row N-pair loss: softmax cross-entropy of each row of the
    (batch, batch) similarity matrix against the row's same-label
    indicator, normalized to sum to 1 (Sohn, 2016)."""
    similarities = _as_float32(similarities)
    same, _, _ = _label_masks(labels)
    targets = ops.cast(same, similarities.dtype)
    targets = targets / ops.sum(targets, axis=1, keepdims=True)
    log_probabilities = ops.log_softmax(similarities, axis=1)
    return -ops.sum(targets * log_probabilities, axis=1)
