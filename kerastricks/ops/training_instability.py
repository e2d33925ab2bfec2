"""The instability measurements of "Small-scale proxies for large-scale
Transformer training instabilities" (Wortsman et al., 2023, arXiv
2309.14322): attention-logit growth, output-logit divergence and gradient
root mean square."""

import math

from keras import ops


def attention_logits(query, key):
    """The attention logits `z_ij = <q_i, k_j> / sqrt(key_dim)` per head.

    Args:
        query: projected queries `(batch, target, heads, key_dim)`.
        key: projected keys `(batch, source, heads, key_dim)`.

    Returns:
        `(batch, heads, target, source)`.
    """
    query = ops.convert_to_tensor(query)
    scale = ops.cast(1.0 / math.sqrt(query.shape[-1]), query.dtype)
    return ops.einsum("bthd,bshd->bhts", ops.multiply(query, scale), key)


def max_abs_attention_logit(logits, mask=None):
    """The largest `|z_ij|` over the attention logits the softmax uses.

    Args:
        logits: `(batch, heads, target, source)` attention logits.
        mask: optional boolean tensor broadcastable to `logits`; `True`
            marks the pairs that may attend (the others are ignored).

    Returns:
        A float32 scalar (0 when every pair is masked).
    """
    magnitude = ops.abs(ops.cast(logits, "float32"))
    if mask is not None:
        magnitude = ops.where(ops.cast(mask, "bool"), magnitude, 0.0)
    return ops.amax(magnitude)


def mean_log_partition(logits, axis=-1):
    """The mean of `log Z = logsumexp(y)` over every position of `logits`.

    Z is the softmax normalizer of the output logits `y`; the z-loss keeps
    `log Z` near 0, and its drift away from 0 is the output-logit
    divergence.

    Args:
        logits: output logits, classes on `axis`.
        axis: int, the class axis. Defaults to `-1`.

    Returns:
        A float32 scalar.
    """
    return ops.mean(ops.logsumexp(ops.cast(logits, "float32"), axis=axis))


def root_mean_square(tensors):
    """`sqrt(mean(g**2))` over every element of a list of tensors (as if
    they were concatenated).

    Args:
        tensors: a list of tensors (e.g. the gradients of one layer's
            variables).

    Returns:
        A float32 scalar.
    """
    tensors = [ops.cast(t, "float32") for t in tensors]
    total = sum(ops.sum(ops.square(t)) for t in tensors)
    count = sum(math.prod(t.shape) for t in tensors)
    return ops.sqrt(total / count)
