"""Softmax Collapse measurements of "Grokking at the Edge of Numerical
Stability" (Prieto et al., 2025, arXiv 2501.04697)."""

from keras import ops


def softmax_collapse(logits, labels):
    """Per-example flags `(collapsed, zero_loss)` of float32 softmax.

    `collapsed`: after subtracting the max logit, sum(exp(z)) rounds to
    exactly 1 in float32, so every other class's probability is absorbed
    (the authors' SC test). `zero_loss`: the float32 cross-entropy of the
    true class is exactly 0, so its gradient vanishes.
    """
    z = ops.cast(logits, "float32")
    z = z - ops.amax(z, axis=-1, keepdims=True)
    normalizer = ops.sum(ops.exp(z), axis=-1)
    labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
    true_logit = ops.take_along_axis(z, labels[:, None], axis=-1)[:, 0]
    loss = ops.log(normalizer) - true_logit
    return ops.equal(normalizer, 1.0), ops.equal(loss, 0.0)
