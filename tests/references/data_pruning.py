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
