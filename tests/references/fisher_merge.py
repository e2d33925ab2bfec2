"""NumPy references for Fisher merging (Matena & Raffel, arXiv 2111.09832)
and per-example gradients of linear classifiers; no keras here."""

import numpy as np


def np_softmax(logits):
    logits = np.asarray(logits, dtype="float64")
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype="float64")))


def np_fisher_weighted_average(values, fishers, weights, floor=1e-6,
                               favor_first_model=True):
    """theta = sum_i w_i F_i theta_i / sum_i w_i F_i, F floored (only the
    first model's when `favor_first_model`)."""
    values = [np.asarray(v, dtype="float64") for v in values]
    numerator = np.zeros_like(values[0])
    denominator = np.zeros_like(values[0])
    for i, (value, fisher, weight) in enumerate(zip(values, fishers,
                                                    weights)):
        fisher = np.asarray(fisher, dtype="float64")
        if i == 0 or not favor_first_model:
            fisher = np.maximum(fisher, floor)
        numerator += weight * fisher * value
        denominator += weight * fisher
    return numerator / denominator


def np_logistic_fisher(x, kernel, bias):
    """Diagonal Fisher of p(y=1|x) = sigmoid(x w + b): E[p(1-p) x^2] for w
    and E[p(1-p)] for b (the score is (y - p) [x, 1])."""
    x = np.asarray(x, dtype="float64")
    p = np_sigmoid(x @ np.asarray(kernel) + bias)[:, 0]
    curvature = p * (1 - p)
    return [(curvature[:, None] * x**2).mean(axis=0)[:, None],
            np.array([curvature.mean()])]


def np_softmax_linear_fisher(x, kernel, bias):
    """Diagonal Fisher of softmax(x W + b) with the expectation over
    classes: E_x sum_k p_k (x_j (delta_kc - p_c))^2 = E[x_j^2 p_c (1-p_c)]."""
    x = np.asarray(x, dtype="float64")
    p = np_softmax(x @ np.asarray(kernel) + bias)
    curvature = p * (1 - p)
    return [np.einsum("nj,nc->jc", x**2, curvature) / len(x),
            curvature.mean(axis=0)]


def np_linear_cross_entropy_gradients(x, kernel, bias, labels):
    """Per-example gradients of -log softmax(x W + b)_y: x (p - e_y)^T for W
    and p - e_y for b."""
    x = np.asarray(x, dtype="float64")
    p = np_softmax(x @ np.asarray(kernel) + bias)
    error = p - np.eye(p.shape[1])[np.asarray(labels)]
    return [x[:, :, None] * error[:, None, :], error]
