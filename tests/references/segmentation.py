"""NumPy reference of the CE + Dice hybrid; no keras here."""

import numpy as np


def np_cross_entropy_dice(y, p, class_weights=None, ce_weight=1.0,
                          dice_weight=1.0, smooth=1e-6):
    """The loss from probabilities, clipped at 1e-7 as Keras's own
    categorical cross-entropy clips them."""
    p = np.clip(np.asarray(p, dtype="float64"), 1e-7, 1.0)
    return _cross_entropy_dice(y, np.log(p), p, class_weights, ce_weight,
                               dice_weight, smooth)


def np_cross_entropy_dice_from_logits(y, logits, class_weights=None,
                                      ce_weight=1.0, dice_weight=1.0,
                                      smooth=1e-6):
    """The same loss from logits: the cross-entropy uses the exact
    log-softmax (no clipping), the Dice term the softmax probabilities."""
    logits = np.asarray(logits, dtype="float64")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return _cross_entropy_dice(y, log_p, np.exp(log_p), class_weights,
                               ce_weight, dice_weight, smooth)


def _cross_entropy_dice(y, log_p, p, class_weights, ce_weight, dice_weight,
                        smooth):
    """Per example: weighted cross-entropy averaged over pixels, plus
    1 - the soft Dice averaged over classes."""
    y = np.asarray(y, dtype="float64")
    w = np.ones(y.shape[-1]) if class_weights is None else np.asarray(
        class_weights)
    losses = []
    for yi, log_pi, pi in zip(y, log_p, p):
        ce = np.mean(-np.sum(w * yi * log_pi, axis=-1))
        flat_y = yi.reshape(-1, yi.shape[-1])
        flat_p = pi.reshape(-1, pi.shape[-1])
        dice = [(2 * np.sum(flat_y[:, c] * flat_p[:, c]) + smooth)
                / (flat_y[:, c].sum() + flat_p[:, c].sum() + smooth)
                for c in range(y.shape[-1])]
        losses.append(ce_weight * ce + dice_weight * (1 - np.mean(dice)))
    return np.array(losses)
