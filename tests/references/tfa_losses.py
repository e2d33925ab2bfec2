"""Loop-based NumPy references of the tensorflow-addons losses (triplet
semi-hard and hard, contrastive, N-pairs, pinball) and of the sparse focal
loss, written from their definitions in float64; no keras here."""

import numpy as np


def np_distances(embeddings, distance_metric="L2"):
    x = np.asarray(embeddings, "float64")
    n = len(x)
    distances = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if distance_metric == "angular":
                cosine = x[i] @ x[j] / (np.linalg.norm(x[i])
                                        * np.linalg.norm(x[j]))
                distances[i, j] = max(1.0 - cosine, 0.0)
            elif i != j:
                squared = np.sum((x[i] - x[j]) ** 2)
                distances[i, j] = (squared if distance_metric == "squared-L2"
                                   else np.sqrt(squared))
    return distances


def np_triplet_semihard(labels, embeddings, margin=1.0, distance_metric="L2",
                        sample_weight=None):
    labels = np.reshape(labels, -1)
    d = np_distances(embeddings, distance_metric)
    n = len(labels)
    weights = np.ones(n) if sample_weight is None else np.reshape(
        np.asarray(sample_weight, "float64"), -1)
    total, weight_sum = 0.0, 0.0
    for a in range(n):
        negatives = [k for k in range(n) if labels[k] != labels[a]]
        for p in range(n):
            if p == a or labels[p] != labels[a]:
                continue
            semi_hard = [d[a, k] for k in negatives if d[a, k] > d[a, p]]
            if semi_hard:
                negative = min(semi_hard)
            elif negatives:
                negative = max(d[a, k] for k in negatives)
            else:
                negative = d[a].min()
            total += weights[a] * max(margin + d[a, p] - negative, 0.0)
            weight_sum += weights[a]
    return total / weight_sum if weight_sum > 0 else 0.0


def np_triplet_hard(labels, embeddings, margin=1.0, soft=False,
                    distance_metric="L2"):
    labels = np.reshape(labels, -1)
    d = np_distances(embeddings, distance_metric)
    n = len(labels)
    losses = np.zeros(n)
    for a in range(n):
        positives = [d[a, k] for k in range(n)
                     if k != a and labels[k] == labels[a]]
        negatives = [d[a, k] for k in range(n) if labels[k] != labels[a]]
        farthest_positive = max(positives) if positives else d[a].min()
        closest_negative = min(negatives) if negatives else d[a].max()
        gap = farthest_positive - closest_negative
        losses[a] = np.log1p(np.exp(gap)) if soft else max(gap + margin, 0.0)
    return losses


def np_contrastive(y_true, distances, margin=1.0):
    y = np.asarray(y_true, "float64")
    d = np.asarray(distances, "float64")
    return y * d ** 2 + (1 - y) * np.maximum(margin - d, 0.0) ** 2


def np_npairs(labels, similarities):
    labels = np.reshape(labels, -1)
    s = np.asarray(similarities, "float64")
    losses = np.zeros(len(labels))
    for i in range(len(labels)):
        same = (labels == labels[i]).astype("float64")
        targets = same / same.sum()
        log_softmax = s[i] - np.log(np.sum(np.exp(s[i] - s[i].max()))) - (
            s[i].max())
        losses[i] = -np.sum(targets * log_softmax)
    return losses


def np_sparse_focal(y_true, logits, gamma=2.0, alpha=None):
    """From logits; `alpha` None or per-class weights."""
    logits = np.asarray(logits, "float64")
    y = np.reshape(np.asarray(y_true), logits.shape[:-1])
    flat_logits = logits.reshape(-1, logits.shape[-1])
    losses = []
    for row, label in zip(flat_logits, y.reshape(-1)):
        shifted = row - row.max()
        log_p = shifted[label] - np.log(np.sum(np.exp(shifted)))
        weight = 1.0 if alpha is None else alpha[label]
        losses.append(-weight * (1.0 - np.exp(log_p)) ** gamma * log_p)
    return np.array(losses).reshape(y.shape)


def np_pinball(y_true, y_pred, tau=0.5):
    error = np.asarray(y_true, "float64") - np.asarray(y_pred, "float64")
    tau = np.asarray(tau, "float64")
    return np.mean(np.where(error >= 0, tau * error, (tau - 1) * error),
                   axis=-1)
