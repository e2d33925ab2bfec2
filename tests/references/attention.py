"""NumPy reference of multi-head attention with qk-layernorm, written from
the equations of Dehghani et al. 2023 (arXiv 2302.05442, Section 2.1:
"we apply LayerNorm to the queries and keys before the dot-product
attention") and Wortsman et al. 2023 (arXiv 2309.14322, Section 3.1.1:
q = LN(W_q x), k = LN(W_k x), logits q.k / sqrt(d_h)); no keras here.

Weights use the Keras layout: projection kernels `(features, heads,
head_dim)` with biases `(heads, head_dim)`, the output kernel `(heads,
head_dim, output_dim)` with bias `(output_dim,)`, and one LayerNorm scale
and offset of shape `(head_dim,)` each for queries and keys, shared by the
heads and applied over each head's `head_dim` entries.
"""

import numpy as np


def np_layer_norm(x, gamma, beta, epsilon):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta over the last axis
    (biased variance)."""
    x = np.asarray(x, dtype="float64")
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def np_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def np_qk_norm_attention(query, value, key, weights, qk_norm=True,
                         epsilon=1e-6, attention_mask=None,
                         use_causal_mask=False):
    """Returns `(output, scores)`: output `(batch, target, output_dim)` and
    scores `(batch, heads, target, source)`.

    `weights` holds `query_kernel`, `key_kernel`, `value_kernel`,
    `output_kernel` and their `*_bias`, and with `qk_norm` also
    `query_gamma`, `query_beta`, `key_gamma`, `key_beta`. Masked pairs
    (False in `attention_mask`, or later positions under
    `use_causal_mask`) get zero probability.
    """
    w = {name: np.asarray(v, dtype="float64") for name, v in weights.items()}
    query = np.asarray(query, dtype="float64")
    value = np.asarray(value, dtype="float64")
    key = value if key is None else np.asarray(key, dtype="float64")
    # Projections per head: (batch, length, heads, head_dim).
    q = np.einsum("btf,fhd->bthd", query, w["query_kernel"]) + w[
        "query_bias"]
    k = np.einsum("bsf,fhd->bshd", key, w["key_kernel"]) + w["key_bias"]
    v = np.einsum("bsf,fhd->bshd", value, w["value_kernel"]) + w[
        "value_bias"]
    if qk_norm:
        q = np_layer_norm(q, w["query_gamma"], w["query_beta"], epsilon)
        k = np_layer_norm(k, w["key_gamma"], w["key_beta"], epsilon)
    head_dim = q.shape[-1]
    logits = np.einsum("bthd,bshd->bhts", q, k) / np.sqrt(head_dim)
    allowed = np.ones(logits.shape, dtype=bool)
    if attention_mask is not None:
        allowed &= np.asarray(attention_mask, dtype=bool)[:, None, :, :]
    if use_causal_mask:
        target, source = logits.shape[-2:]
        allowed &= np.tril(np.ones((target, source), dtype=bool))
    scores = np.where(allowed, logits, -np.inf)
    # A fully masked row attends uniformly, as a large finite negative
    # logit does.
    fully_masked = ~allowed.any(axis=-1, keepdims=True)
    scores = np.where(fully_masked, 0.0, scores)
    scores = np_softmax(scores)
    context = np.einsum("bhts,bshd->bthd", scores, v)
    output = np.einsum("bthd,hdo->bto", context, w["output_kernel"]) + w[
        "output_bias"]
    return output, scores
