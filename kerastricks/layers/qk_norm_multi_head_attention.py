import math

import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.QKNormMultiHeadAttention")
class QKNormMultiHeadAttention(keras.layers.Layer):
    """Multi-head attention with LayerNorm on queries and keys (qk-layernorm).

    At high learning rates the attention logits q·k of a Transformer can grow
    without bound, the softmax collapses to one-hot and training diverges
    ("attention logit growth"). Normalizing queries and keys per head before
    the dot product bounds the logits by sqrt(key_dim) times the norm gains,
    which keeps training stable across orders of magnitude of learning rate.
    The layer mirrors `keras.layers.MultiHeadAttention` (same arguments, call
    signature and weight layout), so it is a drop-in replacement; with
    `qk_norm=False` it computes exactly what `MultiHeadAttention` does.

    ```python
    q = LayerNorm_q(x_q @ W_q)          # per head, over key_dim
    k = LayerNorm_k(x_kv @ W_k)
    v = x_kv @ W_v
    scores = softmax(q @ k.T / sqrt(key_dim) + mask)
    output = (scores @ v) @ W_o
    ```

    Args:
        num_heads: positive int, the number of attention heads.
        key_dim: positive int, the size of each head for queries and keys.
        value_dim: positive int or `None`, the size of each head for values.
            Defaults to `key_dim`.
        dropout: float in [0, 1), dropout on the attention scores. Defaults
            to `0.0`.
        use_bias: bool, whether the projections have biases. Defaults to
            `True`.
        output_shape: int or `None`, the last dimension of the output.
            Defaults to the query's last dimension.
        qk_norm: bool, apply LayerNorm to queries and keys. Defaults to
            `True`.
        qk_norm_epsilon: float > 0, the LayerNorm epsilon. Defaults to
            `1e-6`.
        kernel_initializer: initializer of the projection kernels. Defaults
            to `"glorot_uniform"`.
        bias_initializer: initializer of the projection biases. Defaults to
            `"zeros"`.
        seed: int or `None`, the dropout seed. Defaults to `None`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Call arguments:
        query: `(batch, target_length, query_dim)`.
        value: `(batch, source_length, value_dim)`.
        key: optional `(batch, source_length, key_dim)`; defaults to `value`.
        attention_mask: optional boolean `(batch, target_length,
            source_length)`; `True` marks pairs that may attend.
        return_attention_scores: bool, also return the scores
            `(batch, num_heads, target_length, source_length)`.
        training: bool, whether dropout is active.
        use_causal_mask: bool, forbid attending to later positions.

    Returns:
        `(batch, target_length, output_dim)`, and the scores when asked.

    Example:

    >>> layer = kerastricks.layers.QKNormMultiHeadAttention(num_heads=2,
    ...                                                     key_dim=4)
    >>> x = np.ones((1, 3, 8), "float32")
    >>> tuple(layer(x, x, use_causal_mask=True).shape)
    (1, 3, 8)

    References:
        - [Wortsman et al., 2023](https://arxiv.org/abs/2309.14322),
          "Small-scale proxies for large-scale Transformer training
          instabilities".
        - [Dehghani et al., 2023](https://arxiv.org/abs/2302.05442),
          "Scaling Vision Transformers to 22 Billion Parameters".
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        qk_norm=True,
        qk_norm_epsilon=1e-6,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = validation.check_positive_int("num_heads", num_heads)
        self.key_dim = validation.check_positive_int("key_dim", key_dim)
        self.value_dim = (
            self.key_dim
            if value_dim is None
            else validation.check_positive_int("value_dim", value_dim)
        )
        self.dropout = validation.check_in_range(
            "dropout", dropout, 0, 1, high_inclusive=False
        )
        self.use_bias = validation.check_bool("use_bias", use_bias)
        self.output_shape = (
            None
            if output_shape is None
            else validation.check_positive_int("output_shape", output_shape)
        )
        self.qk_norm = validation.check_bool("qk_norm", qk_norm)
        self.qk_norm_epsilon = validation.check_positive(
            "qk_norm_epsilon", qk_norm_epsilon
        )
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _projection(self, name, heads, size):
        return keras.layers.EinsumDense(
            "abc,cde->abde",
            output_shape=(None, heads, size),
            bias_axes="de" if self.use_bias else None,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        shapes = {"query": query_shape, "value": value_shape,
                  "key": key_shape}
        for name, shape in shapes.items():
            # (batch, length, features)
            validation.check_input_rank("QKNormMultiHeadAttention", name,
                                        shape, (3,))
        validation.check_same_size("QKNormMultiHeadAttention", "batch size",
                                   shapes)
        validation.check_same_size(
            "QKNormMultiHeadAttention", "source length (axis 1)",
            {"value": value_shape, "key": key_shape}, axis=1)
        self.query_dense = self._projection("query", self.num_heads,
                                            self.key_dim)
        self.query_dense.build(query_shape)
        self.key_dense = self._projection("key", self.num_heads, self.key_dim)
        self.key_dense.build(key_shape)
        self.value_dense = self._projection("value", self.num_heads,
                                            self.value_dim)
        self.value_dense.build(value_shape)
        output_dim = self.output_shape or query_shape[-1]
        self.output_dense = keras.layers.EinsumDense(
            "abcd,cde->abe",
            output_shape=(None, output_dim),
            bias_axes="e" if self.use_bias else None,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            dtype=self.dtype_policy,
            name="attention_output",
        )
        self.output_dense.build(
            (query_shape[0], query_shape[1], self.num_heads, self.value_dim)
        )
        if self.qk_norm:
            self.query_norm = keras.layers.LayerNormalization(
                epsilon=self.qk_norm_epsilon, dtype=self.dtype_policy,
                name="query_norm",
            )
            self.query_norm.build((None, None, self.num_heads, self.key_dim))
            self.key_norm = keras.layers.LayerNormalization(
                epsilon=self.qk_norm_epsilon, dtype=self.dtype_policy,
                name="key_norm",
            )
            self.key_norm.build((None, None, self.num_heads, self.key_dim))
        self.built = True

    def attention_logits(self, query, key):
        """The pre-softmax logits `(batch, heads, target, source)`."""
        q = self.query_dense(query)
        k = self.key_dense(key)
        if self.qk_norm:
            q = self.query_norm(q)
            k = self.key_norm(k)
        q = q * ops.cast(1.0 / math.sqrt(self.key_dim), q.dtype)
        return ops.einsum("aecd,abcd->acbe", k, q)

    def call(self, query, value, key=None, attention_mask=None,
             return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        for name, tensor in (("query", query), ("value", value),
                             ("key", key)):
            validation.check_floating_input("QKNormMultiHeadAttention", name,
                                            tensor)
        if attention_mask is not None:
            # (batch, target length, source length)
            mask_shape = validation.check_input_rank(
                "QKNormMultiHeadAttention", "attention_mask",
                attention_mask.shape, (3,))
            expected = (query.shape[0], query.shape[1], key.shape[1])
            if any(size is not None and want is not None and size != want
                   for size, want in zip(mask_shape, expected)):
                raise ValueError(
                    "QKNormMultiHeadAttention needs `attention_mask` of "
                    f"shape (batch, target, source) = {tuple(expected)}. "
                    f"Received: attention_mask of shape {mask_shape}"
                )
        logits = self.attention_logits(query, key)
        mask = None
        if attention_mask is not None:
            mask = ops.cast(attention_mask, "bool")[:, None, :, :]
        if use_causal_mask:
            target, source = ops.shape(query)[1], ops.shape(key)[1]
            causal = ops.tril(ops.ones((target, source), "bool"))
            causal = causal[None, None, :, :]
            mask = causal if mask is None else ops.logical_and(mask, causal)
        if mask is not None:
            # A large negative logit (not -inf) keeps fully masked rows finite,
            # as keras.layers.Softmax does.
            dtype = keras.backend.standardize_dtype(logits.dtype)
            large_negative = -1e9 if dtype in ("float32", "float64") else -3e4
            logits = ops.where(
                mask, logits, ops.cast(large_negative, logits.dtype)
            )
        scores = ops.softmax(logits, axis=-1)
        if training and self.dropout > 0:
            scores = keras.random.dropout(
                scores, self.dropout, seed=self.seed_generator
            )
        v = self.value_dense(value)
        context = ops.einsum("acbe,aecd->abcd", scores, v)
        output = self.output_dense(context)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        return tuple(query_shape[:-1]) + (
            self.output_shape or query_shape[-1],
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "value_dim": self.value_dim,
                "dropout": self.dropout,
                "use_bias": self.use_bias,
                "output_shape": self.output_shape,
                "qk_norm": self.qk_norm,
                "qk_norm_epsilon": self.qk_norm_epsilon,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
                "seed": self.seed,
            }
        )
        return config
