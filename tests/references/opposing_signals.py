"""NumPy reference for the opposing-signal groups of one step (Rosenfeld &
Risteski, arXiv 2311.04163); no keras here."""

import numpy as np


def np_opposing_signals(loss_change, k):
    """The k largest increases and decreases of the per-example loss and
    2k min(mean increase, mean decrease) / sum |change|."""
    change = np.asarray(loss_change, dtype="float64")
    order = np.argsort(change, kind="stable")
    increased, decreased = order[::-1][:k], order[:k]
    swing = max(min(change[increased].mean(), -change[decreased].mean()),
                0.0)
    total = np.abs(change).sum()
    strength = 2 * k * swing / total if total > 0 else 0.0
    return set(increased.tolist()), set(decreased.tolist()), strength
