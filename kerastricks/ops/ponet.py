"""PoNet's multi-granularity pooling ("PoNet: Pooling Network for Efficient
Token Mixing in Long Sequences", Tan et al., ICLR 2022, arXiv 2110.02442)."""

import keras
from keras import ops


def _lowest(dtype):
    """The most negative finite value of `dtype`: what padded tokens hold
    before a max, so that they never win it."""
    dtype = keras.backend.standardize_dtype(dtype)
    return {"float16": -65504.0, "bfloat16": -3.38e38,
            "float64": -1.7e308}.get(dtype, -3.4e38)


def segment_max_pooling(x, num_segments):
    """Max over fixed segments of the token axis of `(batch, tokens, dim)`,
    handed back to every token of the segment.

    The segments are consecutive runs of `tokens // num_segments + 1`
    tokens (the last one shorter), as the authors' Long Range Arena code.
    """
    length = x.shape[1]
    segment = length // num_segments + 1
    padded_length = segment * num_segments
    padded = ops.pad(x, ((0, 0), (0, padded_length - length), (0, 0)),
                     constant_values=_lowest(x.dtype))
    maxima = ops.amax(ops.reshape(padded, (-1, num_segments, segment,
                                          x.shape[-1])), axis=2)
    return ops.repeat(maxima, segment, axis=1)[:, :length]


def local_max_pooling(x, window):
    """Stride-1 max over the `window` tokens centred at each token (odd
    `window`), padded tokens never winning."""
    half = window // 2
    padded = ops.pad(x, ((0, 0), (half, half), (0, 0)),
                     constant_values=_lowest(x.dtype))
    result = None
    for offset in range(window):
        stop = offset - (window - 1)
        shifted = padded[:, offset:stop if stop else None]
        result = shifted if result is None else ops.maximum(result, shifted)
    return result


def ponet_token_mixing(query, key, gate, segment, local, num_heads,
                       num_segments, window=3, mask=None):
    """PoNet's pooling fusion of five projections of the tokens, each
    `(batch, tokens, dim)`, `dim` split into `num_heads` heads:

    - global: `g = sum_l softmax_l(mean(query) . key_l / sqrt(d)) key_l`
      per head (one pooled query attends to every token: linear cost);
    - segment: `s = segment_max(segment)`;
    - local: `l = window_max(local)`;
    - output `(g + s) * gate + l`.

    `mask` (`(batch, tokens)`, true for real tokens) leaves padded tokens
    out of every mean, softmax and max, and zeroes their outputs.
    """
    dim = query.shape[-1]
    head_dim = dim // num_heads
    heads = (-1, query.shape[1], num_heads, head_dim)
    query_heads = ops.reshape(query, heads)
    key_heads = ops.reshape(key, heads)
    if mask is None:
        pooled_query = ops.mean(query_heads, axis=1)
        valid = None
    else:
        valid = ops.cast(mask, "bool")
        weights = ops.cast(valid, query.dtype)[:, :, None, None]
        count = ops.maximum(ops.sum(weights, axis=1), 1.0)
        pooled_query = ops.sum(query_heads * weights, axis=1) / count
    scores = ops.einsum("bhd,blhd->bhl", pooled_query, key_heads)
    scores = scores / ops.cast(ops.sqrt(float(head_dim)), scores.dtype)
    if valid is not None:
        scores = ops.where(valid[:, None, :], scores, _lowest(scores.dtype))
    attention = ops.softmax(scores, axis=-1)
    pooled = ops.einsum("bhl,blhd->bhd", attention, key_heads)
    pooled = ops.reshape(pooled, (-1, 1, dim))
    if valid is not None:
        token_mask = valid[:, :, None]
        segment = ops.where(token_mask, segment, _lowest(segment.dtype))
        local = ops.where(token_mask, local, _lowest(local.dtype))
    segment = segment_max_pooling(segment, num_segments)
    local = local_max_pooling(local, window)
    if valid is not None:
        # A padded token's segment or window may hold no real token: zero
        # those before the fusion, so no lowest value reaches an operation.
        segment = ops.where(token_mask, segment, 0.0)
        local = ops.where(token_mask, local, 0.0)
    output = (pooled + segment) * gate + local
    if valid is not None:
        output = ops.where(token_mask, output, 0.0)
    return output
