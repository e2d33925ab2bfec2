"""The cross-attention of multi-layers trainable pooling ("Pooling And
Attention: What Are Effective Designs For LLM-Based Embedding Models?",
Tang and Yang, 2024, arXiv 2409.02727)."""

import math

from keras import ops


def latent_cross_attention(latents, context, query_kernel, key_kernel,
                           value_kernel, output_kernel, num_heads):
    """Multi-head attention of learned latent queries over a context.

    The queries come from the latents, the keys and values from the context
    (for multi-layers trainable pooling, one hidden state per transformer
    layer), all through bias-free projections, with the usual
    `1 / sqrt(key_dim)` scaling:

    ```python
    q = latents @ query_kernel      # (num_latents, heads * key_dim)
    k = context @ key_kernel        # (batch, tokens, heads * key_dim)
    v = context @ value_kernel
    per head h: a_h = softmax(q_h k_h^T / sqrt(key_dim)) v_h
    out = concat_h(a_h) @ output_kernel       # (batch, num_latents, dim)
    ```

    Args:
        latents: tensor `(num_latents, dim)` or `(batch, num_latents, dim)`.
        context: tensor `(batch, tokens, context_dim)`.
        query_kernel: `(dim, heads * key_dim)`.
        key_kernel, value_kernel: `(context_dim, heads * key_dim)`.
        output_kernel: `(heads * key_dim, out_dim)`.
        num_heads: int, the number of heads.

    Returns:
        A tensor `(batch, num_latents, out_dim)`.

    Example:

    >>> out = kerastricks.ops.latent_cross_attention(
    ...     np.ones((2, 3)), np.ones((4, 5, 3)), np.ones((3, 4)),
    ...     np.ones((3, 4)), np.ones((3, 4)), np.ones((4, 3)), num_heads=2)
    >>> tuple(out.shape)
    (4, 2, 3)
    """
    context = ops.convert_to_tensor(context)
    batch = ops.shape(context)[0]
    queries = ops.matmul(latents, query_kernel)
    if len(queries.shape) == 2:
        queries = ops.broadcast_to(
            queries[None], (batch,) + tuple(queries.shape))
    keys = ops.matmul(context, key_kernel)
    values = ops.matmul(context, value_kernel)
    key_dim = queries.shape[-1] // num_heads

    def split_heads(tensor):
        # (batch, n, heads * key_dim) -> (batch, heads, n, key_dim)
        tensor = ops.reshape(tensor, (batch, -1, num_heads, key_dim))
        return ops.transpose(tensor, (0, 2, 1, 3))

    queries, keys, values = (split_heads(t) for t in (queries, keys, values))
    logits = ops.matmul(queries, ops.transpose(keys, (0, 1, 3, 2)))
    weights = ops.softmax(logits / math.sqrt(key_dim), axis=-1)
    attended = ops.transpose(ops.matmul(weights, values), (0, 2, 1, 3))
    attended = ops.reshape(attended, (batch, -1, num_heads * key_dim))
    return ops.matmul(attended, output_kernel)

