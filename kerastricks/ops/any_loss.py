"""The differentiable confusion matrix of "AnyLoss: Transforming
Classification Metrics into Loss Functions" (Han et al., 2024,
arXiv 2405.14745) and metrics written on it."""

from keras import ops


def amplify(probabilities, amplifying_scale=73.0):
    """A(p) = 1 / (1 + exp(-L (p - 1/2))): pushes probabilities towards 0/1
    while staying differentiable; L -> inf gives the hard 0.5 threshold."""
    return ops.sigmoid(amplifying_scale * (probabilities - 0.5))


def soft_confusion_matrix(y_true, probabilities, amplifying_scale=73.0,
                          sample_weight=None):
    """(TN, FN, FP, TP) summed over the batch from amplified probabilities.

    `y_true` holds 0/1 labels and `probabilities` P(class 1), same shape;
    `sample_weight` (per example) weights each example's contributions.
    """
    y = ops.cast(ops.reshape(y_true, (-1,)), "float32")
    a = amplify(ops.cast(ops.reshape(probabilities, (-1,)), "float32"),
                amplifying_scale)
    weight = (
        ops.ones_like(y)
        if sample_weight is None
        else ops.cast(ops.reshape(sample_weight, (-1,)), "float32")
    )
    true_positive = ops.sum(weight * y * a)
    false_negative = ops.sum(weight * y * (1.0 - a))
    false_positive = ops.sum(weight * (1.0 - y) * a)
    true_negative = ops.sum(weight * (1.0 - y) * (1.0 - a))
    return true_negative, false_negative, false_positive, true_positive


# Metrics of (TN, FN, FP, TP); `_SAFE` keeps empty batches finite (an F1
# with no positive label and no positive prediction scores 0, as sklearn's
# default `zero_division`).
_SAFE = 1e-7


def accuracy(tn, fn, fp, tp):
    return (tp + tn) / (tn + fn + fp + tp + _SAFE)


def f_beta(tn, fn, fp, tp, beta=1.0):
    beta_sq = beta * beta
    return (1.0 + beta_sq) * tp / (
        (1.0 + beta_sq) * tp + beta_sq * fn + fp + _SAFE
    )


def f1(tn, fn, fp, tp):
    return f_beta(tn, fn, fp, tp, 1.0)


def _class_recalls(tn, fn, fp, tp):
    """(TPR, TNR, has_positives, has_negatives).

    A class absent from the batch has no recall (0/0); its rate is returned
    as 0 with a finite gradient and flagged, so the metrics below can leave
    it out instead of dividing by zero.
    """
    positives = tp + fn
    negatives = tn + fp
    has_positives = positives > 0
    has_negatives = negatives > 0
    tpr = tp / ops.where(has_positives, positives, 1.0)
    tnr = tn / ops.where(has_negatives, negatives, 1.0)
    return tpr, tnr, has_positives, has_negatives


def _sqrt_with_finite_gradient(x):
    """sqrt(x) for x >= 0, with gradient 0 instead of inf at x = 0.

    x = 0 happens only when every example of a class is predicted wrong
    with an amplified probability of exactly 0 or 1 in float32, where the
    amplifier's own gradient is already 0; inf * 0 would give NaN.
    """
    positive = x > 0
    return ops.where(positive, ops.sqrt(ops.where(positive, x, 1.0)), 0.0)


def balanced_accuracy(tn, fn, fp, tp):
    """The mean recall of the classes present in the batch.

    With both classes it is (TPR + TNR) / 2; a batch with one class scores
    that class's recall (as `sklearn.metrics.balanced_accuracy_score`, which
    averages over the classes in `y_true`), and an empty batch scores 1.
    """
    tpr, tnr, has_positives, has_negatives = _class_recalls(tn, fn, fp, tp)
    present = (ops.cast(has_positives, "float32")
               + ops.cast(has_negatives, "float32"))
    total = (ops.where(has_positives, tpr, 0.0)
             + ops.where(has_negatives, tnr, 0.0))
    return ops.where(present > 0, total / ops.maximum(present, 1.0), 1.0)


def geometric_mean(tn, fn, fp, tp):
    """The geometric mean of the recalls of the classes present.

    With both classes it is sqrt(TPR * TNR); a batch with one class scores
    that class's recall (its geometric mean alone), so all-negative batches,
    the common case on imbalanced data, still train the negatives; an empty
    batch scores 1. Value and gradient are finite everywhere.
    """
    tpr, tnr, has_positives, has_negatives = _class_recalls(tn, fn, fp, tp)
    both = ops.logical_and(has_positives, has_negatives)
    single = ops.where(has_positives, tpr, ops.where(has_negatives, tnr, 1.0))
    return ops.where(both, _sqrt_with_finite_gradient(tpr * tnr), single)


METRICS = {
    "accuracy": accuracy,
    "f1": f1,
    "balanced_accuracy": balanced_accuracy,
    "geometric_mean": geometric_mean,
}
