"""ROC quantities of a binary detector from per-bin counts of scores.

Scores are binned into `num_bins` equal bins over `score_range` (scores
outside fall into the end bins); a threshold sits at each bin's lower
edge, and `score >= threshold` is a detection. When no bin holds scores of
both classes that differ, the values equal scikit-learn's exact ones
(`roc_curve` with `drop_intermediate=False`, `roc_auc_score`); otherwise
two scores in one bin count as tied, which bounds the AUROC error by half
the fraction of (positive, negative) pairs that share a bin.
"""

from keras import ops


def score_bins(scores, score_range, num_bins):
    """The bin (int32) of each score, clipped to `[0, num_bins - 1]`."""
    low, high = score_range
    position = (ops.cast(scores, "float32") - low) * (num_bins / (high - low))
    return ops.cast(
        ops.clip(ops.floor(position), 0, num_bins - 1), "int32")


def bin_counts(labels, scores, score_range, num_bins, sample_weight=None):
    """`(positive_counts, negative_counts)`, each `(num_bins,)` float32:
    the summed weights of the positive (`labels == 1`) and negative
    examples in each bin."""
    labels = ops.reshape(ops.cast(labels, "float32"), (-1,))
    bins = score_bins(ops.reshape(scores, (-1,)), score_range, num_bins)
    weights = ops.ones_like(labels)
    if sample_weight is not None:
        weights = ops.reshape(
            ops.broadcast_to(
                ops.reshape(ops.cast(sample_weight, "float32"), (-1, 1)),
                (ops.shape(weights)[0], 1)),
            (-1,))
    positives = ops.segment_sum(labels * weights, bins,
                                num_segments=num_bins)
    negatives = ops.segment_sum((1.0 - labels) * weights, bins,
                                num_segments=num_bins)
    return positives, negatives


def _at_or_above(counts):
    """`counts` summed from each bin to the top: detections per threshold."""
    return ops.flip(ops.cumsum(ops.flip(counts, axis=0)), axis=0)


def roc_rates(positive_counts, negative_counts):
    """`(tpr, fpr)` at the lower edge of every bin (0 where a class has no
    example)."""
    tpr = ops.divide_no_nan(_at_or_above(positive_counts),
                            ops.sum(positive_counts))
    fpr = ops.divide_no_nan(_at_or_above(negative_counts),
                            ops.sum(negative_counts))
    return tpr, fpr


def fpr_at_tpr(positive_counts, negative_counts, target_tpr=0.95):
    """The false positive rate at the highest threshold whose true positive
    rate reaches `target_tpr`."""
    tpr, fpr = roc_rates(positive_counts, negative_counts)
    # tpr does not increase with the bin, so the bins that reach the target
    # are 0..last; `last` is the highest such threshold.
    last = ops.sum(ops.cast(tpr >= target_tpr, "int32")) - 1
    return ops.take(fpr, ops.maximum(last, 0))


def auroc(positive_counts, negative_counts):
    """P(positive score > negative score) + P(equal) / 2 (Mann-Whitney),
    scores in one bin counted as equal."""
    above = _at_or_above(positive_counts) - positive_counts
    pairs = ops.sum(negative_counts * (above + 0.5 * positive_counts))
    return ops.divide_no_nan(
        pairs, ops.sum(positive_counts) * ops.sum(negative_counts))
