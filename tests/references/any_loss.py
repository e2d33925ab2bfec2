"""NumPy reference of AnyLoss's soft confusion matrix; no keras here."""

import numpy as np


def np_soft_confusion_matrix(y_true, p, amplifying_scale=73.0, weight=None):
    y = np.asarray(y_true, dtype="float64").ravel()
    p = np.asarray(p, dtype="float64").ravel()
    a = 1.0 / (1.0 + np.exp(-amplifying_scale * (p - 0.5)))
    w = np.ones_like(y) if weight is None else np.asarray(weight).ravel()
    tp = np.sum(w * y * a)
    fn = np.sum(w * y * (1 - a))
    fp = np.sum(w * (1 - y) * a)
    tn = np.sum(w * (1 - y) * (1 - a))
    return tn, fn, fp, tp


def np_metric(name, tn, fn, fp, tp, beta=1.0):
    if name == "accuracy":
        return (tp + tn) / (tn + fn + fp + tp)
    if name == "f_beta":
        b2 = beta * beta
        return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)
    # Balanced accuracy and G-mean average the recalls of the classes
    # present in the batch (sklearn's balanced_accuracy_score convention).
    recalls = [hits / (hits + misses)
               for hits, misses in ((tp, fn), (tn, fp)) if hits + misses > 0]
    if name == "balanced_accuracy":
        return np.mean(recalls) if recalls else 1.0
    if name == "geometric_mean":
        return np.prod(recalls) ** (1.0 / len(recalls)) if recalls else 1.0
    raise ValueError(name)
