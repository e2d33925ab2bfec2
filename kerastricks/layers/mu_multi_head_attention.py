import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.mup import mup_attention_scale
from kerastricks.utils import keras_internals
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.MuMultiHeadAttention")
class MuMultiHeadAttention(keras.layers.MultiHeadAttention):
    """Multi-head attention with the µP logit scale 1/d instead of 1/sqrt(d).

    Under the maximal update parametrization (µP), training correlates the
    queries with the keys, so their dot product grows like the head size
    `key_dim` rather than its square root. Scaling the logits by
    `1 / key_dim` keeps them O(1) at every width, which the transfer of
    hyperparameters from a narrow model to a wide one needs. The factor
    `sqrt(base_key_dim)` makes the layer identical to
    `keras.layers.MultiHeadAttention` at the base head size. Everything else
    (arguments, masks, dropout, weights) is Keras's layer; grow `key_dim`
    with the width and keep `num_heads` fixed, so that the projection
    kernels' fan-in and fan-out axes are the ones µP expects.

    ```python
    scale = sqrt(base_key_dim) / key_dim     # Keras: 1 / sqrt(key_dim)
    scores = softmax(scale * q @ k.T + mask)
    ```

    Args:
        num_heads: int, the number of heads.
        key_dim: int, the size of each query and key head.
        base_key_dim: positive int, the head size of the base-width model.
        **kwargs: every other argument of `keras.layers.MultiHeadAttention`.

    Call arguments:
        As `keras.layers.MultiHeadAttention`.

    Returns:
        As `keras.layers.MultiHeadAttention`.

    Example:

    >>> attention = kerastricks.layers.MuMultiHeadAttention(
    ...     num_heads=2, key_dim=16, base_key_dim=4)
    >>> x = np.ones((1, 3, 8), "float32")
    >>> tuple(attention(x, x).shape)
    (1, 3, 8)
    >>> attention.attention_scale
    0.125

    References:
        - [Yang et al., 2022](https://arxiv.org/abs/2203.03466), "Tensor
          Programs V: Tuning Large Neural Networks via Zero-Shot
          Hyperparameter Transfer" (Section 4, attention 1/d).
    """

    def __init__(self, num_heads, key_dim, base_key_dim, **kwargs):
        super().__init__(num_heads, key_dim, **kwargs)
        self.base_key_dim = validation.check_positive_int(
            "base_key_dim", base_key_dim)
        self.attention_scale = mup_attention_scale(
            validation.check_positive_int("key_dim", key_dim),
            self.base_key_dim)
        keras_internals.set_attention_query_scale(self, self.attention_scale)

    def call(self, query, value, key=None, **kwargs):
        owner = type(self).__name__
        validation.check_floating_input(owner, "query", query)
        validation.check_floating_input(owner, "value", value)
        if key is not None:
            validation.check_floating_input(owner, "key", key)
        return super().call(query, value, key=key, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["base_key_dim"] = self.base_key_dim
        return config
