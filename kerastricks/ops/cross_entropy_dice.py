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


def weighted_categorical_cross_entropy(y_true, y_pred, class_weights=None,
                                       from_logits=False, epsilon=1e-7):
    """Per-example mean over positions of `-sum_c w_c y_c log p_c`.

    With `from_logits=True`, `y_pred` holds logits and log p is the exact
    log-softmax, as `keras.losses.CategoricalCrossentropy(from_logits=True)`:
    a confidently wrong position keeps its full loss and gradient.
    Probabilities (`from_logits=False`) are clipped at `epsilon` before the
    log, as Keras does, which caps a position's loss at -log(epsilon).
    """
    y = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    if from_logits:
        log_p = ops.log_softmax(y_pred, axis=-1)
    else:
        log_p = ops.log(ops.clip(y_pred, epsilon, 1.0))
    weights = 1.0 if class_weights is None else ops.cast(class_weights,
                                                          "float32")
    per_position = -ops.sum(weights * y * log_p, axis=-1)
    axes = tuple(range(1, len(per_position.shape)))
    return ops.mean(per_position, axis=axes) if axes else per_position
