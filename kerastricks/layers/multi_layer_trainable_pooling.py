import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.multi_layer_trainable_pooling import latent_cross_attention
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.MultiLayerTrainablePooling")
class MultiLayerTrainablePooling(keras.layers.Layer):
    """Pools the hidden states of every transformer layer into one embedding.

    Multi-layers trainable pooling builds a text embedding from the hidden
    state of one token (the end-of-sequence token of a decoder LLM) at
    *every* layer, not only the last: each layer's state gets a learned
    layer embedding, then learned latent queries cross-attend over the
    layers (a Perceiver-style block: attention and a GEGLU feed-forward,
    both pre-norm with residuals), and the latents' mean, L2-normalized, is
    the embedding. The paper finds it statistically better than last-layer
    pooling for semantic similarity and retrieval (not for clustering or
    classification).

    ```python
    h = inputs + layer_embedding             # (batch, layers, dim)
    z = latents + CrossAttention(q=LN(latents), kv=LN(h))   # (latents, dim)
    z = z + W2 (GEGLU(W1 LN(z) + b1)) + b2
    y = l2_normalize(mean over latents of z)          # (batch, dim)
    ```

    Args:
        num_latents: positive int, the number of learned queries. Defaults
            to `768`, the authors' value.
        num_heads: positive int, the attention heads. Defaults to `32`, the
            authors' value.
        key_dim: positive int, the size of each head. Defaults to `2048`,
            the authors' value for Mistral-7B (4096 features): scale it down
            with your model (e.g. `dim // num_heads`).
        feedforward_multiplier: positive int, the feed-forward width over
            the feature size (its GEGLU input is twice that). Defaults to
            `4`.
        normalize: bool, whether the embedding is L2-normalized. Defaults to
            `True`, as the authors.
        epsilon: float > 0, the LayerNorm epsilon. Defaults to `1e-5`
            (torch's LayerNorm default, which the authors use).
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: `(batch, layers, dim)`: one token's hidden state at each
            layer, e.g. `keras.ops.stack([h[:, -1] for h in states], 1)`.

    Returns:
        A tensor `(batch, dim)`.

    Example:

    >>> pool = kerastricks.layers.MultiLayerTrainablePooling(
    ...     num_latents=4, num_heads=2, key_dim=4)
    >>> states = np.random.rand(3, 6, 8).astype("float32")  # 6 layers
    >>> tuple(pool(states).shape)
    (3, 8)

    References:
        - [Tang and Yang, 2024](https://arxiv.org/abs/2409.02727), "Pooling
          And Attention: What Are Effective Designs For LLM-Based Embedding
          Models?".
    """

    def __init__(self, num_latents=768, num_heads=32, key_dim=2048,
                 feedforward_multiplier=4, normalize=True, epsilon=1e-5,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_latents = validation.check_positive_int("num_latents",
                                                         num_latents)
        self.num_heads = validation.check_positive_int("num_heads",
                                                       num_heads)
        self.key_dim = validation.check_positive_int("key_dim", key_dim)
        self.feedforward_multiplier = validation.check_positive_int(
            "feedforward_multiplier", feedforward_multiplier)
        self.normalize = validation.check_bool("normalize", normalize)
        self.epsilon = validation.check_positive("epsilon", epsilon)

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "MultiLayerTrainablePooling", "inputs", input_shape, (3,))
        layers, dim = input_shape[1], input_shape[2]
        if layers is None or dim is None:
            raise ValueError(
                "MultiLayerTrainablePooling needs the layer and feature "
                "axes of `inputs` known when it builds (one learned "
                f"embedding per layer). Received: inputs of shape "
                f"{input_shape}")
        inner = self.num_heads * self.key_dim
        hidden = self.feedforward_multiplier * dim
        normal = keras.initializers.RandomNormal(stddev=1.0)
        self.layer_embedding = self.add_weight(
            name="layer_embedding", shape=(layers, dim), initializer=normal)
        self.latents = self.add_weight(
            name="latents", shape=(self.num_latents, dim),
            initializer=normal)
        self.norms = {}
        for name in ("hidden_norm", "latent_norm", "feedforward_norm"):
            self.norms[name] = (
                self.add_weight(name=f"{name}_gamma", shape=(dim,),
                                initializer="ones"),
                self.add_weight(name=f"{name}_beta", shape=(dim,),
                                initializer="zeros"))
        kernel = "glorot_uniform"
        self.query_kernel = self.add_weight(
            name="query_kernel", shape=(dim, inner), initializer=kernel)
        self.key_kernel = self.add_weight(
            name="key_kernel", shape=(dim, inner), initializer=kernel)
        self.value_kernel = self.add_weight(
            name="value_kernel", shape=(dim, inner), initializer=kernel)
        self.output_kernel = self.add_weight(
            name="output_kernel", shape=(inner, dim), initializer=kernel)
        self.feedforward_in_kernel = self.add_weight(
            name="feedforward_in_kernel", shape=(dim, 2 * hidden),
            initializer=kernel)
        self.feedforward_in_bias = self.add_weight(
            name="feedforward_in_bias", shape=(2 * hidden,),
            initializer="zeros")
        self.feedforward_out_kernel = self.add_weight(
            name="feedforward_out_kernel", shape=(hidden, dim),
            initializer=kernel)
        self.feedforward_out_bias = self.add_weight(
            name="feedforward_out_bias", shape=(dim,), initializer="zeros")

    def _norm(self, name, x):
        gamma, beta = self.norms[name]
        mean, variance = ops.moments(x, axes=[-1], keepdims=True)
        normed = (x - mean) * ops.rsqrt(variance + self.epsilon)
        return normed * ops.cast(gamma, x.dtype) + ops.cast(beta, x.dtype)

    def call(self, inputs):
        validation.check_floating_input("MultiLayerTrainablePooling",
                                        "inputs", inputs)
        # A small head: everything runs in float32, also under mixed
        # precision (softmax and LayerNorm statistics need it).
        def weight(variable):
            return ops.cast(variable, "float32")

        states = ops.cast(inputs, "float32") + weight(self.layer_embedding)
        latents = weight(self.latents)
        attended = latent_cross_attention(
            self._norm("latent_norm", latents),
            self._norm("hidden_norm", states), weight(self.query_kernel),
            weight(self.key_kernel), weight(self.value_kernel),
            weight(self.output_kernel), self.num_heads)
        z = latents + attended
        gated, gates = ops.split(
            ops.matmul(self._norm("feedforward_norm", z),
                       weight(self.feedforward_in_kernel))
            + weight(self.feedforward_in_bias), 2, axis=-1)
        z = z + ops.matmul(gated * ops.gelu(gates, approximate=False),
                           weight(self.feedforward_out_kernel))
        z = z + weight(self.feedforward_out_bias)
        pooled = ops.mean(z, axis=1)
        if self.normalize:
            pooled = pooled * ops.rsqrt(ops.maximum(
                ops.sum(ops.square(pooled), axis=-1, keepdims=True), 1e-24))
        return ops.cast(pooled, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_latents": self.num_latents,
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "feedforward_multiplier": self.feedforward_multiplier,
            "normalize": self.normalize,
            "epsilon": self.epsilon,
        })
        return config
