"""Contrastive losses on L2-normalized embeddings: supervised contrastive
(Khosla et al., 2020, arXiv 2004.11362) and NT-Xent / InfoNCE (Chen et al.,
2020, arXiv 2002.05709)."""

from keras import ops


def _log_softmax_without_self(embeddings, temperature):
    """Row-wise log-softmax of cosine similarities / temperature, with each
    example's similarity to itself excluded from its normalizer."""
    z = ops.cast(embeddings, "float32")
    z = z / ops.maximum(ops.norm(z, axis=-1, keepdims=True), 1e-12)
    logits = ops.matmul(z, ops.transpose(z)) / temperature
    size = ops.shape(logits)[0]
    is_self = ops.eye(size, dtype="bool")
    logits = ops.where(is_self, -1e9, logits)
    return logits - ops.logsumexp(logits, axis=-1, keepdims=True), is_self


def supervised_contrastive_loss(labels, embeddings, temperature=0.07):
    """Per-anchor SupCon loss (the paper's L_out): the mean over positives p
    (same label, not the anchor) of -log softmax_p of similarities. Anchors
    without positives get 0."""
    log_prob, is_self = _log_softmax_without_self(embeddings, temperature)
    labels = ops.reshape(labels, (-1,))
    same = ops.equal(labels[:, None], labels[None, :])
    positive = ops.cast(ops.logical_and(same, ops.logical_not(is_self)),
                        "float32")
    count = ops.sum(positive, axis=-1)
    total = ops.sum(positive * log_prob, axis=-1)
    return -total / ops.maximum(count, 1.0)


def nt_xent_loss(embeddings, temperature=0.1):
    """Per-example NT-Xent: rows i and i + N (of 2N) are two views of one
    example and each other's only positive; all other rows are negatives."""
    log_prob, _ = _log_softmax_without_self(embeddings, temperature)
    size = ops.shape(log_prob)[0]
    half = size // 2
    partner = (ops.arange(size) + half) % size
    return -ops.take_along_axis(log_prob, partner[:, None], axis=-1)[:, 0]
