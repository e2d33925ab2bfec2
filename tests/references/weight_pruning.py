"""NumPy references for weight pruning (masks, per-class false negatives),
the interpolation barrier (Singh et al., arXiv 2406.16300), mode
connectivity (Yang et al., arXiv 2107.11228), linear CKA (Kornblith et al.,
arXiv 1905.00414) and the three-regime labels (Zhou et al., arXiv
2305.18383); no keras here."""

import numpy as np


def np_magnitude_pruning_mask(scores, mask, sparsity):
    """Keep the size - round(sparsity * size) best scores among the kept
    entries (ties: the lower flat index wins)."""
    scores = np.asarray(scores, "float64").ravel()
    mask = np.asarray(mask).ravel() > 0
    size = scores.size
    keep = size - int(np.floor(sparsity * size + 0.5))
    candidates = [i for i in range(size) if mask[i]]
    candidates.sort(key=lambda i: (-scores[i], i))
    new_mask = np.zeros(size, "float32")
    new_mask[candidates[:keep]] = 1.0
    return new_mask


def np_per_class_false_negatives(labels, predictions, num_classes):
    counts = np.zeros(num_classes)
    for label, prediction in zip(labels, predictions):
        if label != prediction:
            counts[label] += 1
    return counts


def np_barrier(losses, alphas):
    losses = np.asarray(losses, "float64")
    alphas = np.asarray(alphas, "float64")
    return np.max(losses - ((1 - alphas) * losses[0] + alphas * losses[-1]))


def np_mode_connectivity(losses):
    losses = np.asarray(losses, "float64")
    gaps = 0.5 * (losses[0] + losses[-1]) - losses
    return gaps[np.argmax(np.abs(gaps))]


def np_linear_cka(a, b):
    a = np.asarray(a, "float64")
    b = np.asarray(b, "float64")
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    return (np.linalg.norm(a.T @ b) ** 2
            / (np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b)))


def np_pruning_regime(barrier, similarity, barrier_threshold,
                      similarity_threshold):
    if barrier > barrier_threshold:
        return "I"
    return "II-B" if similarity >= similarity_threshold else "II-A"


def np_product_model_losses(x, u_a, v_a, u_b, v_b, alphas,
                            interpolate_v=True):
    """MSE of the scalar model y_hat = x * u * v against y = x along the
    line from (u_a, v_a) to (u_b, v_b) (only u moves when not
    `interpolate_v`)."""
    x = np.asarray(x, "float64").ravel()
    losses = []
    for alpha in alphas:
        u = (1 - alpha) * u_a + alpha * u_b
        v = (1 - alpha) * v_a + alpha * v_b if interpolate_v else v_a
        losses.append(np.mean((x * u * v - x) ** 2))
    return np.asarray(losses)
