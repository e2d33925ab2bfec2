"""NumPy references for tensor-level techniques; no keras here."""

import numpy as np


def np_stable_map(x):
    x = np.asarray(x, dtype="float64")
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = x[positive] + 1.0
    out[~positive] = 1.0 / (1.0 - x[~positive])
    return out


def np_stablemax(x, axis=-1):
    s = np_stable_map(x)
    return s / s.sum(axis=axis, keepdims=True)


def np_stablemax_cross_entropy(labels, logits, sparse=True):
    """-log StableMax(logits)[label], in float64 like the authors' code."""
    probs = np_stablemax(logits)
    if sparse:
        labels = np.asarray(labels).reshape(-1)
        picked = probs[np.arange(len(labels)), labels]
        return -np.log(picked)
    return -np.sum(np.asarray(labels) * np.log(probs), axis=-1)


def np_softmax_cross_entropy_float32(labels, logits):
    """Softmax CE computed in float32, to show Softmax Collapse."""
    logits = np.asarray(logits, dtype="float32")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels]


def np_logsumexp(logits, axis=-1):
    logits = np.asarray(logits, dtype="float64")
    peak = logits.max(axis=axis, keepdims=True)
    return (peak + np.log(np.exp(logits - peak).sum(axis=axis,
                                                     keepdims=True))).squeeze(
        axis)


def np_logit_z_loss(logits, coefficient=1e-4):
    return coefficient * np_logsumexp(logits) ** 2


def np_sparse_softmax_cross_entropy(labels, logits):
    logits = np.asarray(logits, dtype="float64")
    log_probs = logits - np_logsumexp(logits)[..., None]
    labels = np.asarray(labels).reshape(-1)
    return -log_probs[np.arange(len(labels)), labels]


def np_softmax_collapse(logits, labels):
    """The authors' SC flag and the exact-zero loss flag, in float32."""
    z = np.asarray(logits, dtype="float32")
    z = z - z.max(axis=-1, keepdims=True)
    normalizer = np.exp(z).sum(axis=-1, dtype="float32")
    labels = np.asarray(labels).reshape(-1)
    loss = np.log(normalizer) - z[np.arange(len(labels)), labels]
    return normalizer == np.float32(1.0), loss == np.float32(0.0)
