"""NumPy reference of the MiDaS scale- and shift-invariant loss (Ranftl et
al., arXiv 1907.01341, eqs. 1-4 with the least-squares alignment, and the
gradient-matching term, eq. 7), in float64 with explicit loops; no keras
here."""

import numpy as np


def np_alignment(prediction, target, valid):
    """(s, t) solving the normal equations of min sum (s p + t - y)^2 over
    the valid pixels, by least squares on the design matrix [p, 1]."""
    p = np.asarray(prediction, "float64")[valid]
    y = np.asarray(target, "float64")[valid]
    design = np.stack([p, np.ones_like(p)], axis=1)
    (scale, shift), *_ = np.linalg.lstsq(design, y, rcond=None)
    return scale, shift


def np_scale_shift_invariant_loss(y_true, y_pred, valid=None,
                                  gradient_weight=0.5, num_scales=4):
    """One loss per image of (batch, H, W[, C]) arrays."""
    y_true = np.asarray(y_true, "float64")
    y_pred = np.asarray(y_pred, "float64")
    if y_true.ndim == 3:
        y_true, y_pred = y_true[..., None], y_pred[..., None]
    if valid is None:
        valid = np.isfinite(y_true)
    valid = np.asarray(valid, bool).reshape(y_true.shape)
    losses = []
    for image in range(len(y_true)):
        mask = valid[image]
        count = mask.sum()
        if count == 0:
            losses.append(0.0)
            continue
        scale, shift = np_alignment(y_pred[image], y_true[image], mask)
        residual = np.where(mask, scale * y_pred[image] + shift
                            - np.where(mask, y_true[image], 0.0), 0.0)
        data_term = (residual ** 2).sum() / (2.0 * count)
        gradient_term = 0.0
        height, width, channels = residual.shape
        for level in range(num_scales):
            step = 2 ** level
            for c in range(channels):
                for i in range(0, height, step):
                    for j in range(0, width, step):
                        if not mask[i, j, c]:
                            continue
                        if j + step < width and mask[i, j + step, c]:
                            gradient_term += abs(residual[i, j + step, c]
                                                 - residual[i, j, c])
                        if i + step < height and mask[i + step, j, c]:
                            gradient_term += abs(residual[i + step, j, c]
                                                 - residual[i, j, c])
        losses.append(data_term + gradient_weight * gradient_term / count)
    return np.array(losses)
