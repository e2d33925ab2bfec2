"""NumPy references of the data-pruning scores; no keras here."""

import numpy as np


def np_el2n(logits, labels):
    logits = np.asarray(logits, dtype="float64")
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return np.linalg.norm(p - np.eye(logits.shape[1])[labels], axis=1)


def np_prototype_distance(points, centroids):
    z = np.asarray(points, dtype="float64")
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    c = np.asarray(centroids, dtype="float64")
    c = c / np.linalg.norm(c, axis=1, keepdims=True)
    return 1.0 - (z @ c.T).max(axis=1)


def np_grand(per_example_gradients):
    """|g|_2 over every given per-example gradient array."""
    return np.sqrt(sum(
        (np.asarray(g, dtype="float64").reshape(len(g), -1) ** 2).sum(1)
        for g in per_example_gradients))


def np_grand_last_dense(hidden, logits, labels):
    """GraNd over a softmax-CE Dense head: |p - e_y| |[h, 1]|."""
    logits = np.asarray(logits, dtype="float64")
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    error = np.linalg.norm(p - np.eye(logits.shape[1])[labels], axis=1)
    hidden = np.asarray(hidden, dtype="float64")
    return error * np.sqrt((hidden**2).sum(axis=1) + 1.0)


def np_grand_two_layer(x, kernel_1, bias_1, kernel_2, bias_2, labels):
    """GraNd over all weights of x -> relu(x W1 + b1) -> softmax(h W2 + b2)
    with cross-entropy, back-propagated by hand per example."""
    x = np.asarray(x, dtype="float64")
    pre = x @ kernel_1 + bias_1
    hidden = np.maximum(pre, 0.0)
    logits = hidden @ kernel_2 + bias_2
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    error = p - np.eye(logits.shape[1])[labels]
    back = (error @ np.asarray(kernel_2, dtype="float64").T) * (pre > 0)
    return np_grand([hidden[:, :, None] * error[:, None, :], error,
                     x[:, :, None] * back[:, None, :], back])
