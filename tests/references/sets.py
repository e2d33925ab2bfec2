"""NumPy references for set and multi-layer pooling, written from the
papers' equations. Never imports keras or kerastricks.

- AttSets: "Robust Attentional Aggregation of Deep Feature Sets for
  Multi-view 3D Reconstruction", Yang et al., arXiv 1808.00758.
- Multi-layers trainable pooling: "Pooling And Attention: What Are Effective
  Designs For LLM-Based Embedding Models?", Tang and Yang, arXiv 2409.02727.
"""

import math

import numpy as np


def np_attentional_set_pooling(x, kernel, mask=None):
    """y[b, d] = sum_n softmax_n(c[b, :, d])[n] * x[b, n, d], c = x @ W,
    the softmax over the kept elements only (one set at a time)."""
    x = np.asarray(x, np.float64)
    batch, _, features = x.shape
    if mask is None:
        mask = np.ones(x.shape[:2], bool)
    out = np.zeros((batch, features))
    for b in range(batch):
        members = x[b][np.asarray(mask[b], bool)]
        if len(members) == 0:
            continue
        scores = members @ np.asarray(kernel, np.float64)
        weights = np.exp(scores - scores.max(axis=0))
        weights /= weights.sum(axis=0)
        out[b] = (weights * members).sum(axis=0)
    return out


def _layer_norm(x, gamma, beta, epsilon):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def _gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def np_multi_layer_trainable_pooling(hidden, weights, num_heads, key_dim,
                                     normalize=True, epsilon=1e-5):
    """One example at a time, with explicit loops over heads.

    `hidden`: (batch, layers, dim); `weights`: a dict with `layer_embedding`
    (layers, dim), `latents` (num_latents, dim), the LayerNorm parameters
    `hidden_norm`, `latent_norm`, `feedforward_norm` as (gamma, beta), the
    bias-free projections `query` (dim, heads * key_dim), `key`, `value`
    (dim, heads * key_dim), `output` (heads * key_dim, dim), and the
    feed-forward `feedforward_in` (kernel (dim, 2 * hidden), bias) and
    `feedforward_out` (kernel (hidden, dim), bias).

        h = hidden + layer_embedding
        q = LN(latents) Wq;  k = LN(h) Wk;  v = LN(h) Wv
        z = latents + concat_heads(softmax(q k^T / sqrt(key_dim)) v) Wo
        z = z + FF(LN(z)),  FF(u) = GEGLU(u A + a) B + b
        y = mean over latents of z, L2-normalized
    """
    w = {k: (tuple(np.asarray(t, np.float64) for t in v)
             if isinstance(v, tuple) else np.asarray(v, np.float64))
         for k, v in weights.items()}
    hidden = np.asarray(hidden, np.float64) + w["layer_embedding"]
    latents = w["latents"]
    outputs = []
    for h in hidden:
        normed = _layer_norm(h, *w["hidden_norm"], epsilon)
        queries = _layer_norm(latents, *w["latent_norm"], epsilon) @ w[
            "query"]
        keys, values = normed @ w["key"], normed @ w["value"]
        heads = []
        for head in range(num_heads):
            cut = slice(head * key_dim, (head + 1) * key_dim)
            logits = queries[:, cut] @ keys[:, cut].T / math.sqrt(key_dim)
            attention = np.exp(logits - logits.max(axis=1, keepdims=True))
            attention /= attention.sum(axis=1, keepdims=True)
            heads.append(attention @ values[:, cut])
        z = latents + np.concatenate(heads, axis=1) @ w["output"]
        kernel_in, bias_in = w["feedforward_in"]
        kernel_out, bias_out = w["feedforward_out"]
        u = _layer_norm(z, *w["feedforward_norm"], epsilon) @ kernel_in
        u = u + bias_in
        gated, gates = np.split(u, 2, axis=-1)
        z = z + (gated * _gelu(gates)) @ kernel_out + bias_out
        pooled = z.mean(axis=0)
        if normalize:
            pooled = pooled / max(np.linalg.norm(pooled), 1e-12)
        outputs.append(pooled)
    return np.stack(outputs)
