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


# Metrics of (TN, FN, FP, TP); `_SAFE` keeps empty classes finite.
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


def balanced_accuracy(tn, fn, fp, tp):
    return 0.5 * (tp / (tp + fn + _SAFE) + tn / (tn + fp + _SAFE))


def geometric_mean(tn, fn, fp, tp):
    return ops.sqrt(tp / (tp + fn + _SAFE) * tn / (tn + fp + _SAFE))


METRICS = {
    "accuracy": accuracy,
    "f1": f1,
    "balanced_accuracy": balanced_accuracy,
    "geometric_mean": geometric_mean,
}
