"""Loop-based NumPy references of SupCon and NT-Xent; no keras here."""

import numpy as np


def _similarities(embeddings, temperature):
    z = np.asarray(embeddings, dtype="float64")
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    return z @ z.T / temperature


def np_supervised_contrastive(labels, embeddings, temperature=0.07):
    s = _similarities(embeddings, temperature)
    n = len(labels)
    losses = np.zeros(n)
    for i in range(n):
        others = [a for a in range(n) if a != i]
        log_normalizer = np.log(np.sum(np.exp(s[i, others])))
        positives = [p for p in others if labels[p] == labels[i]]
        if positives:
            losses[i] = -np.mean([s[i, p] - log_normalizer
                                  for p in positives])
    return losses


def np_nt_xent(embeddings, temperature=0.1):
    s = _similarities(embeddings, temperature)
    n = len(s)
    losses = np.zeros(n)
    for i in range(n):
        partner = (i + n // 2) % n
        others = [k for k in range(n) if k != i]
        losses[i] = -(s[i, partner] - np.log(np.sum(np.exp(s[i, others]))))
    return losses
