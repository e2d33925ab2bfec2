import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import haar_wavelet
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.InverseHaarDWT2D")
class InverseHaarDWT2D(keras.layers.Layer):
    """Inverse single-level 2-D Haar wavelet transform of `HaarDWT2D`.

    Rebuilds the feature map from its four subbands: twice the height and
    width, a quarter of the channels. `InverseHaarDWT2D()(HaarDWT2D()(x))`
    equals `x` (to float rounding), which makes the pair a lossless,
    parameter-free downsample/upsample, e.g. for U-Net style decoders or
    wavelet-domain processing.

    ```python
    LL, LH, HL, HH = split(inputs, 4, channel axis)   # subband-major
    a = (LL + LH + HL + HH) / 2      # even row, even column
    b = (LL + LH - HL - HH) / 2      # even row, odd column
    c = (LL - LH + HL - HH) / 2      # odd row, even column
    d = (LL - LH - HL + HH) / 2      # odd row, odd column
    output = the 2x2 blocks [[a, b], [c, d]]
    ```

    Args:
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `"channels_last"`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Call arguments:
        inputs: a floating-point rank-4 tensor whose channel count is a
            multiple of 4, laid out as `HaarDWT2D` returns it.

    Returns:
        `(batch, 2 * height, 2 * width, channels / 4)` (channels_last) or
        `(batch, channels / 4, 2 * height, 2 * width)` (channels_first).

    Example:

    >>> x = np.random.rand(1, 4, 6, 3).astype("float32")
    >>> bands = kerastricks.layers.HaarDWT2D()(x)
    >>> y = kerastricks.layers.InverseHaarDWT2D()(bands)
    >>> bool(np.allclose(y, x, atol=1e-6))
    True

    References:
        - [Jeevan et al., 2022](https://arxiv.org/abs/2205.14375),
          "WaveMix: A Resource-efficient Neural Network for Image
          Analysis".
    """

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.data_format = validation.check_one_of(
            "data_format", data_format, haar_wavelet.DATA_FORMATS)

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "InverseHaarDWT2D", "inputs", input_shape, (4,))
        channels = input_shape[haar_wavelet.channel_axis(self.data_format)]
        if channels is None or channels % 4:
            raise ValueError(
                "InverseHaarDWT2D needs a known channel count of `inputs` "
                "divisible by 4 (the LL, LH, HL and HH subbands). Received: "
                f"inputs of shape {input_shape} (channels={channels})")

    def call(self, inputs):
        validation.check_floating_input("InverseHaarDWT2D", "inputs", inputs)
        return haar_wavelet.inverse_haar_dwt2d(inputs, self.data_format)

    def compute_output_shape(self, input_shape):
        return haar_wavelet.inverse_dwt_output_shape(input_shape,
                                                     self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format})
        return config
