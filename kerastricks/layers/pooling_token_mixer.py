import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.metaformer import pooling_token_mixer
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.PoolingTokenMixer")
class PoolingTokenMixer(keras.layers.Layer):
    """PoolFormer's parameter-free token mixer: average pooling minus input.

    MetaFormer splits a Transformer block into a token mixer and a channel
    MLP and shows that the general structure, not attention, carries most
    of the accuracy: PoolFormer replaces attention by this stride-1 average
    pooling, which has no weights and costs linear time in the number of
    tokens. The input is subtracted because the block adds it back through
    its residual connection. Use it as the `token_mixer` of
    `kerastricks.layers.MetaFormerBlock` (its default).

    ```python
    x: (batch, height, width, channels)
    mean[i, j] = average of x over the pool_size x pool_size window at
                 (i, j), counting only positions inside the map
                 (count_include_pad=False, as the official code)
    output = mean - x
    ```

    Args:
        pool_size: odd int >= 1, the side of the pooling window. Defaults
            to `3` (the paper).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `"channels_last"`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: a feature map `(batch, height, width, channels)` (or
            `(batch, channels, height, width)` for `"channels_first"`).

    Returns:
        A tensor of the input's shape.

    Example:

    >>> mixer = kerastricks.layers.PoolingTokenMixer()
    >>> y = mixer(np.ones((1, 4, 5, 2), "float32"))
    >>> float(np.abs(keras.ops.convert_to_numpy(y)).max())
    0.0

    References:
        - [Yu et al., 2022](https://arxiv.org/abs/2111.11418), "MetaFormer
          Is Actually What You Need for Vision".
    """

    def __init__(self, pool_size=3, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = validation.check_positive_int("pool_size",
                                                       pool_size)
        if self.pool_size % 2 == 0:
            raise ValueError(
                "Argument `pool_size` must be odd, so that the window is "
                "centred and the output keeps the input's size. Received: "
                f"pool_size={pool_size!r}")
        self.data_format = validation.check_one_of(
            "data_format", data_format, ("channels_last", "channels_first"))

    def build(self, input_shape):
        validation.check_input_rank("PoolingTokenMixer", "inputs",
                                    input_shape, (4,))

    def call(self, inputs):
        validation.check_floating_input("PoolingTokenMixer", "inputs",
                                        inputs)
        return pooling_token_mixer(inputs, self.pool_size, self.data_format)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size,
                       "data_format": self.data_format})
        return config
