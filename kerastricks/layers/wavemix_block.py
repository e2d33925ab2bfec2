import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import haar_wavelet
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.WaveMixBlock")
class WaveMixBlock(keras.layers.Layer):
    """The WaveMix block: token mixing by a 2-D Haar wavelet transform.

    A resolution-preserving residual block that mixes space with a fixed,
    lossless wavelet transform instead of attention or large kernels: the
    channels are reduced four-fold, the single-level Haar DWT halves the
    size and restores the channel count, a 1x1-convolution MLP mixes the
    subbands, and a transposed convolution brings the map back to full
    size. A stack of these blocks is the WaveMix network
    (`kerastricks.models.WaveMix`), which matches CNNs and ViTs of the same
    size on small images with less GPU memory.

    ```python
    C = channels of x
    y = conv1x1(x, C / 4)
    y = haar_dwt2d(y)                       # (H/2, W/2, C): LL, LH, HL, HH
    y = conv1x1(y, mlp_ratio * C); y = gelu(y); y = dropout(y)
    y = conv1x1(y, ff_channels)
    y = conv_transpose(y, C, kernel 4, stride 2)     # back to (H, W, C)
    output = x + batch_norm(y)
    ```

    Follows the official `Level1Waveblock` (the block with a one-level
    DWT), with the residual connection that the official network adds
    around each block included here. GELU is the exact (erf) form, and the
    BatchNorm uses `epsilon=1e-5` and momentum 0.9 (PyTorch's defaults,
    which the official code uses).

    Args:
        mlp_ratio: positive int, the MLP's hidden width as a multiple of
            the channel count (`mult` in the official code). Defaults to
            `2` (the paper).
        ff_channels: positive int or `None`, the MLP's output width before
            the upsampling (`ff_channel`); `None` uses the input channel
            count, as the paper's configurations do. Defaults to `None`.
        dropout: float in [0, 1), the dropout rate after the GELU. Defaults
            to `0.5` (the paper).
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `"channels_last"`.
        seed: int or `None`, the dropout seed. Defaults to `None`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: a rank-4 floating-point feature map with even height and
            width and a channel count divisible by 4.
        training: bool, whether dropout is on and BatchNorm uses the batch
            statistics.

    Returns:
        A tensor of the shape of `inputs`.

    Example:

    >>> block = kerastricks.layers.WaveMixBlock(seed=0)
    >>> tuple(block(np.ones((2, 8, 8, 16), "float32")).shape)
    (2, 8, 8, 16)

    References:
        - [Jeevan et al., 2022](https://arxiv.org/abs/2205.14375),
          "WaveMix: A Resource-efficient Neural Network for Image
          Analysis".
    """

    def __init__(self, mlp_ratio=2, ff_channels=None, dropout=0.5,
                 data_format="channels_last", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.mlp_ratio = validation.check_positive_int("mlp_ratio", mlp_ratio)
        self.ff_channels = (
            None if ff_channels is None
            else validation.check_positive_int("ff_channels", ff_channels))
        self.dropout = validation.check_in_range(
            "dropout", dropout, 0, 1, high_inclusive=False)
        self.data_format = validation.check_one_of(
            "data_format", data_format, haar_wavelet.DATA_FORMATS)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _conv(self, filters, name):
        return keras.layers.Conv2D(filters, 1, data_format=self.data_format,
                                   dtype=self.dtype_policy, name=name)

    def build(self, input_shape):
        input_shape = validation.check_input_rank("WaveMixBlock", "inputs",
                                                  input_shape, (4,))
        haar_wavelet.check_even_spatial_size("WaveMixBlock", "inputs",
                                             input_shape, self.data_format)
        channel_axis = haar_wavelet.channel_axis(self.data_format)
        channels = input_shape[channel_axis]
        if channels is None or channels % 4:
            raise ValueError(
                "WaveMixBlock needs a known channel count of `inputs` "
                "divisible by 4 (it is reduced to a quarter before the "
                f"DWT). Received: inputs of shape {input_shape} "
                f"(channels={channels})")
        ff_channels = self.ff_channels or channels
        self.reduction = self._conv(channels // 4, "reduction")
        self.expand = self._conv(channels * self.mlp_ratio, "expand")
        self.project = self._conv(ff_channels, "project")
        self.upsample = keras.layers.Conv2DTranspose(
            channels, 4, strides=2, padding="same",
            data_format=self.data_format, dtype=self.dtype_policy,
            name="upsample")
        self.norm = keras.layers.BatchNormalization(
            axis=channel_axis, momentum=0.9, epsilon=1e-5,
            dtype=self.dtype_policy, name="norm")
        self.reduction.build(input_shape)
        half = haar_wavelet.dwt_output_shape(
            self.reduction.compute_output_shape(input_shape),
            self.data_format)
        self.expand.build(half)
        self.project.build(self.expand.compute_output_shape(half))
        self.upsample.build(self.project.compute_output_shape(
            self.expand.compute_output_shape(half)))
        self.norm.build(input_shape)

    def call(self, inputs, training=None):
        validation.check_floating_input("WaveMixBlock", "inputs", inputs)
        x = self.reduction(inputs)
        x = haar_wavelet.haar_dwt2d(x, self.data_format)
        x = ops.gelu(self.expand(x), approximate=False)
        if training and self.dropout > 0:
            x = keras.random.dropout(x, self.dropout,
                                     seed=self.seed_generator)
        x = self.upsample(self.project(x))
        return inputs + self.norm(x, training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "mlp_ratio": self.mlp_ratio,
            "ff_channels": self.ff_channels,
            "dropout": self.dropout,
            "data_format": self.data_format,
            "seed": self.seed,
        })
        return config
