"""Weighted categorical cross-entropy plus multi-class soft Dice, the hybrid
segmentation loss of "Enhanced SegNet with Integrated Grad-CAM for
Interpretable Retinal Layer Segmentation in OCT Images" (Saky and Tshering,
2025, arXiv 2509.07795)."""

from keras import ops


def soft_dice_loss(y_true, probabilities, smooth=1e-6):
    """Per-example `1 - mean_c (2 sum(y p) + s) / (sum(y) + sum(p) + s)`,
    sums over every axis between batch and classes."""
    y = ops.cast(y_true, "float32")
    p = ops.cast(probabilities, "float32")
    axes = tuple(range(1, len(p.shape) - 1))
    intersection = ops.sum(y * p, axis=axes)
    total = ops.sum(y, axis=axes) + ops.sum(p, axis=axes)
    dice = (2.0 * intersection + smooth) / (total + smooth)
    return 1.0 - ops.mean(dice, axis=-1)


def weighted_categorical_cross_entropy(y_true, probabilities,
                                       class_weights=None, epsilon=1e-7):
    """Per-example mean over positions of `-sum_c w_c y_c log p_c`."""
    y = ops.cast(y_true, "float32")
    p = ops.clip(ops.cast(probabilities, "float32"), epsilon, 1.0)
    weights = 1.0 if class_weights is None else ops.cast(class_weights,
                                                          "float32")
    per_position = -ops.sum(weights * y * ops.log(p), axis=-1)
    axes = tuple(range(1, len(per_position.shape)))
    return ops.mean(per_position, axis=axes) if axes else per_position
