"""Opposing-signal detection of "Outliers with Opposing Signals Have an
Outsized Effect on Neural Network Optimization" (Rosenfeld & Risteski, ICLR
2024, arXiv 2311.04163)."""

from keras import ops


def opposing_signals(loss_change, k):
    """Finds the strongest opposing groups in one step's per-example loss
    changes.

    Returns `(increased, decreased, strength)`: the indices of the `k`
    largest increases and of the `k` largest decreases of the loss, and
    `strength` = 2k min(mean increase, mean decrease) / sum |change|, the
    share of the probe's total loss movement carried by two balanced groups
    moving in opposite directions, in [0, 1].
    """
    loss_change = ops.cast(ops.reshape(loss_change, (-1,)), "float32")
    increases, increased = ops.top_k(loss_change, k)
    decreases, decreased = ops.top_k(-loss_change, k)
    swing = ops.maximum(
        ops.minimum(ops.mean(increases), ops.mean(decreases)), 0.0
    )
    total = ops.sum(ops.abs(loss_change))
    strength = ops.where(total > 0, 2.0 * k * swing / ops.maximum(total,
                                                                  1e-30), 0.0)
    return increased, decreased, strength
