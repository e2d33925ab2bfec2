import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.generalized_mean import group_generalized_mean_pooling
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.GroupGeneralizedMeanPooling")
class GroupGeneralizedMeanPooling(keras.layers.Layer):
    """Generalized-mean pooling with one learnable exponent per channel group.

    GeM pooling interpolates between average pooling (p = 1) and max pooling
    (p -> inf) with a learnable exponent p. GGeM splits the channels into
    groups (for a ViT, like its attention heads, which already group the
    channels) and learns one p per group, so important channel groups can be
    pooled closer to max and the rest closer to average. It replaces the
    class token or the average of patch tokens in ViTs, and global average
    pooling in CNNs.

    ```python
    x: (batch, tokens..., channels), channels split into `groups` groups
    for each group g with exponent p[g]:
        y[g] = mean_tokens(max(x[..., g], epsilon) ** p[g]) ** (1 / p[g])
    output = concatenate over groups        # (batch, channels)
    ```

    Args:
        groups: positive int, the number of channel groups (one exponent
            each); the channel count must be divisible by it. Defaults to
            `12`, the head count of ViT-B/16, the paper's main setting: set
            it to your model's number of heads.
        p_initializer: float > 0, the initial exponent of every group.
            Defaults to `3.0` (the paper, as GeM).
        epsilon: float > 0, activations are clamped below at epsilon before
            the power. Defaults to `1e-6`.
        data_format: `"channels_last"` or `"channels_first"` (4-D inputs
            only). Defaults to `"channels_last"`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: tokens `(batch, tokens, channels)` or a feature map
            `(batch, height, width, channels)`.

    Returns:
        A tensor `(batch, channels)`.

    Example:

    >>> pool = kerastricks.layers.GroupGeneralizedMeanPooling(groups=2)
    >>> tuple(pool(np.ones((3, 5, 4), "float32")).shape)
    (3, 4)

    References:
        - [Ko et al., 2022](https://arxiv.org/abs/2212.04114), "Group
          Generalized Mean Pooling for Vision Transformer".
        - [Radenović et al., 2018](https://arxiv.org/abs/1711.02512),
          "Fine-tuning CNN Image Retrieval with No Human Annotation" (GeM).
    """

    def __init__(self, groups=12, p_initializer=3.0, epsilon=1e-6,
                 data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.groups = validation.check_positive_int("groups", groups)
        self.p_initializer = validation.check_positive(
            "p_initializer", p_initializer
        )
        self.epsilon = validation.check_positive("epsilon", epsilon)
        self.data_format = validation.check_one_of(
            "data_format", data_format, ("channels_last", "channels_first")
        )

    def build(self, input_shape):
        # Rank 3 is (batch, tokens, channels), rank 4 a feature map.
        ranks = (4,) if self.data_format == "channels_first" else (3, 4)
        input_shape = validation.check_input_rank(
            "GroupGeneralizedMeanPooling", "inputs", input_shape, ranks)
        channels = self._channels(input_shape)
        if channels is None or channels % self.groups:
            raise ValueError(
                "GroupGeneralizedMeanPooling needs a known channel count of "
                "`inputs` divisible by `groups`. Received: inputs of shape "
                f"{input_shape} (channels={channels}), groups={self.groups}"
            )
        self.p = self.add_weight(
            name="p",
            shape=(self.groups,),
            initializer=keras.initializers.Constant(self.p_initializer),
        )

    def _channels(self, input_shape):
        if self.data_format == "channels_first":
            return input_shape[1]
        return input_shape[-1]

    def call(self, inputs):
        validation.check_floating_input("GroupGeneralizedMeanPooling",
                                        "inputs", inputs)
        if self.data_format == "channels_first":
            inputs = ops.transpose(inputs, (0, 2, 3, 1))
        return group_generalized_mean_pooling(inputs, self.p, self.epsilon)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self._channels(input_shape))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "groups": self.groups,
                "p_initializer": self.p_initializer,
                "epsilon": self.epsilon,
                "data_format": self.data_format,
            }
        )
        return config
