"""NumPy reference of the spherical-family Z-loss (de Brébisson and Vincent,
arXiv 1604.08859), from the paper's equations; no keras here."""

import numpy as np


def np_z_loss(labels, logits, a=1.0, b=0.0):
    """L = log(1 + exp(a (b - z_c))) / a, z_c = (o_c - mu) / sigma with
    mu = S1 / D and sigma = sqrt(S2 / D - mu^2), S1 = sum(o), S2 = sum(o^2)
    (the paper's spherical-family statistics), computed in float64."""
    logits = np.asarray(logits, dtype="float64")
    labels = np.asarray(labels).reshape(-1)
    num_classes = logits.shape[-1]
    mean = logits.sum(axis=-1) / num_classes
    std = np.sqrt((logits**2).sum(axis=-1) / num_classes - mean**2)
    target = logits[np.arange(len(labels)), labels]
    z_target = (target - mean) / std
    return np.logaddexp(0.0, a * (b - z_target)) / a
