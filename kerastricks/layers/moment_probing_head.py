import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import moment_probing
from kerastricks.utils import validation

FIRST_ORDER = ("mean", "class_token")


@kerastricks_export("kerastricks.layers.MomentProbingHead")
class MomentProbingHead(keras.layers.Layer):
    """Moment Probing: a classifier on the first and second moments of tokens.

    A drop-in replacement for the linear probe on top of a frozen (or
    lightly tuned) backbone. Linear probing classifies the mean token (or
    the class token); Moment Probing classifies the *distribution* of the
    token features, approximated by its first moment (the mean token) and
    its second moments, computed cheaply as cross-covariances between
    neighbouring heads of projected features (MHC^3). The two linear
    classifiers' logits are averaged. It costs a little more than a linear
    probe and much less than fine-tuning.

    ```python
    tokens: (batch, N, D)
    first = mean_tokens(tokens)          # or the class token
    x = Dense(hidden_dim)(tokens)        # split into num_heads heads of d
    x_h = LayerNorm(x_h)                 # one scale shared by the heads
    S_h = cov(x_h, x_{h+1})              # (d, d), centred over tokens
    S_h = S_h / column L2 norm           # for h = 1 .. num_heads - 1
    z = conv3x3_s2(gelu(conv3x3_s2(S))) # heads - 1 channels, no bias
    logits = (Dense(num_classes)(first)
              + Dense(num_classes)(flatten(z))) / 2
    ```

    Follows the official head (`Moment_Probing_ViT`, cross type "near").
    The official code subtracts a single mean over all tokens *and*
    channels of a head before its products; here each channel is centred
    over the tokens, the covariance the paper defines, which cancels any
    offset of the LayerNorm, so it has only a scale.

    Args:
        num_classes: positive int, the number of classes.
        hidden_dim: positive int, the width of the projection before the
            heads; divisible by `num_heads`, with at least 7 channels per
            head. Defaults to `512` (the paper).
        num_heads: int >= 2, the number of heads. Defaults to `4` (the
            paper).
        first_order: `"mean"` (the mean token) or `"class_token"` (token 0
            is a class token: it is the first-order feature and only the
            other tokens enter the second moments, as the official ViT
            head). Defaults to `"mean"`.
        second_order: bool; `False` leaves only the first-order linear
            classifier (linear probing). Defaults to `True`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: token features `(batch, tokens, channels)` or a
            channels_last feature map `(batch, height, width, channels)`.

    Returns:
        Logits of shape `(batch, num_classes)`.

    Example:

    >>> head = kerastricks.layers.MomentProbingHead(
    ...     num_classes=5, hidden_dim=32, num_heads=4)
    >>> tuple(head(np.random.rand(2, 10, 16).astype("float32")).shape)
    (2, 5)

    References:
        - [Gao et al., 2023](https://arxiv.org/abs/2307.11342), "Tuning
          Pre-trained Model via Moment Probing".
    """

    def __init__(self, num_classes, hidden_dim=512, num_heads=4,
                 first_order="mean", second_order=True, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = validation.check_positive_int("num_classes",
                                                         num_classes)
        self.hidden_dim = validation.check_positive_int("hidden_dim",
                                                        hidden_dim)
        self.num_heads = validation.check_positive_int("num_heads", num_heads)
        if self.num_heads < 2:
            raise ValueError(
                "Argument `num_heads` must be >= 2 (the second moments pair "
                f"neighbouring heads). Received: num_heads={num_heads}")
        if hidden_dim % num_heads or hidden_dim // num_heads < 7:
            raise ValueError(
                "Argument `hidden_dim` must be divisible by `num_heads` with "
                "at least 7 channels per head (two 3x3 stride-2 "
                f"convolutions follow). Received: hidden_dim={hidden_dim}, "
                f"num_heads={num_heads}")
        self.first_order = validation.check_one_of("first_order",
                                                   first_order, FIRST_ORDER)
        self.second_order = validation.check_bool("second_order",
                                                  second_order)

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "MomentProbingHead", "inputs", input_shape, (3, 4))
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                "MomentProbingHead needs a known channel count (last axis) "
                f"of `inputs`. Received: inputs of shape {input_shape}")
        self.first_order_classifier = keras.layers.Dense(
            self.num_classes, dtype=self.dtype_policy,
            name="first_order_classifier")
        self.first_order_classifier.build((None, channels))
        if not self.second_order:
            return
        head_dim = self.hidden_dim // self.num_heads
        pairs = self.num_heads - 1
        self.projection = keras.layers.Dense(
            self.hidden_dim, dtype=self.dtype_policy, name="projection")
        self.projection.build((None, None, channels))
        # No offset: the covariance centres every channel over the tokens,
        # which would cancel it (it would get no gradient).
        self.head_norm = keras.layers.LayerNormalization(
            epsilon=1e-5, center=False, dtype=self.dtype_policy,
            name="head_norm")
        self.head_norm.build((None, None, self.num_heads, head_dim))
        self.downsample = [
            keras.layers.Conv2D(pairs, 3, strides=2, use_bias=False,
                                dtype=self.dtype_policy, name=name)
            for name in ("downsample_1", "downsample_2")
        ]
        self.downsample[0].build((None, head_dim, head_dim, pairs))
        middle = (head_dim - 3) // 2 + 1
        self.downsample[1].build((None, middle, middle, pairs))
        size = moment_probing.downsampled_size(head_dim)
        self.second_order_classifier = keras.layers.Dense(
            self.num_classes, dtype=self.dtype_policy,
            name="second_order_classifier")
        self.second_order_classifier.build((None, size * size * pairs))

    def call(self, inputs):
        validation.check_floating_input("MomentProbingHead", "inputs",
                                        inputs)
        tokens = inputs
        if len(inputs.shape) == 4:
            shape = ops.shape(inputs)
            tokens = ops.reshape(inputs, (-1, shape[1] * shape[2], shape[3]))
        if self.first_order == "class_token":
            first, tokens = tokens[:, 0], tokens[:, 1:]
        else:
            first = ops.mean(tokens, axis=1)
        logits = self.first_order_classifier(first)
        if not self.second_order:
            return logits
        x = self.projection(tokens)
        head_dim = self.hidden_dim // self.num_heads
        x = ops.reshape(x, (-1, ops.shape(x)[1], self.num_heads, head_dim))
        covariance = moment_probing.adjacent_head_cross_covariance(
            self.head_norm(x))
        # (batch, pairs, d, d) -> channels_last maps for the convolutions.
        z = ops.transpose(covariance, (0, 2, 3, 1))
        z = ops.gelu(self.downsample[0](z), approximate=False)
        z = self.downsample[1](z)
        z = ops.reshape(z, (-1, z.shape[1] * z.shape[2] * z.shape[3]))
        return (logits + self.second_order_classifier(z)) / 2

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_classes": self.num_classes,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "first_order": self.first_order,
            "second_order": self.second_order,
        })
        return config
