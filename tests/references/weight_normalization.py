"""NumPy transcription of weight normalization (Salimans and Kingma, 2016,
arXiv 1602.07868): equation (2) and the data-dependent initialization of
section 3, with Keras's channels-last kernels; no keras here."""

import numpy as np


def np_weight_normalize(v, g):
    """w = g * v / ||v||, one norm per output channel (the last axis); the
    squared norm is floored at 1e-12 as tf.math.l2_normalize."""
    axes = tuple(range(v.ndim - 1))
    squared_norm = np.sum(v * v, axis=axes, keepdims=True)
    return g * v / np.sqrt(np.maximum(squared_norm, 1e-12))


def np_data_init(t, channel_axis=-1, epsilon=1e-10):
    """g = 1 / sqrt(var[t] + eps) and b = -mean[t] * g, per channel, for
    pre-activations t = x . v / ||v|| of the initialization batch."""
    t = np.moveaxis(np.asarray(t, "float64"), channel_axis, -1)
    t = t.reshape(-1, t.shape[-1])
    scale = 1.0 / np.sqrt(t.var(axis=0) + epsilon)
    return scale, -t.mean(axis=0) * scale


def np_dense(x, v, g, bias):
    """A weight-normalized Dense layer without activation."""
    return x @ np_weight_normalize(v, g) + bias
