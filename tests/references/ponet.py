"""NumPy PoNet pooling fusion, written from the equations of "PoNet: Pooling
Network for Efficient Token Mixing in Long Sequences" (Tan et al., 2022)
with loops over tokens; no keras here."""

import numpy as np


def np_segments(length, num_segments):
    """The segment index of each token: runs of length // K + 1 tokens."""
    return np.arange(length) // (length // num_segments + 1)


def np_ponet(query, key, gate, segment, local, num_heads, num_segments,
             window=3, mask=None):
    """(g + s) * o + l for (batch, tokens, dim) inputs, float64; padded
    tokens (mask false) are ignored and output 0."""
    query, key, gate, segment, local = (
        np.asarray(t, "float64") for t in (query, key, gate, segment, local))
    batch, length, dim = query.shape
    head_dim = dim // num_heads
    if mask is None:
        mask = np.ones((batch, length), bool)
    segment_of = np_segments(length, num_segments)
    half = window // 2
    out = np.zeros_like(query)
    for b in range(batch):
        valid = np.flatnonzero(mask[b])
        pooled = np.zeros(dim)
        for h in range(num_heads):
            channels = slice(h * head_dim, (h + 1) * head_dim)
            q = query[b, valid, channels].mean(axis=0)
            scores = key[b, valid, channels] @ q / np.sqrt(head_dim)
            weights = np.exp(scores - scores.max())
            weights /= weights.sum()
            pooled[channels] = weights @ key[b, valid, channels]
        for t in valid:
            same = [u for u in valid if segment_of[u] == segment_of[t]]
            near = [u for u in valid if abs(u - t) <= half]
            segment_max = segment[b, same].max(axis=0)
            local_max = local[b, near].max(axis=0)
            out[b, t] = (pooled + segment_max) * gate[b, t] + local_max
    return out
