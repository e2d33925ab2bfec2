"""NumPy reference of ScaleLong's skip scalings (Huang et al. 2023, arXiv
2310.13545): constant scaling kappa ** (i - 1) of the i-th long skip, and
the learnable calibration of the authors' code (channel mean, two dense
layers, sigmoid, one coefficient per position)."""

import numpy as np


def np_constant_skip_scaling(skip, kappa, skip_index):
    return np.asarray(skip, "float64") * kappa**skip_index


def np_learnable_skip_scaling(skip, w1, b1, w2, b2):
    skip = np.asarray(skip, "float64")
    batch = skip.shape[0]
    squeezed = skip.mean(axis=-1).reshape(batch, -1)
    hidden = np.maximum(squeezed @ w1 + b1, 0.0)
    coefficients = 1.0 / (1.0 + np.exp(-(hidden @ w2 + b2)))
    return skip * coefficients.reshape(skip.shape[:-1] + (1,))
