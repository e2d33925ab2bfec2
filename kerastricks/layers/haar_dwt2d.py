import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import haar_wavelet
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.HaarDWT2D")
class HaarDWT2D(keras.layers.Layer):
    """Single-level 2-D Haar wavelet transform: half the size, 4x channels.

    The token mixer of WaveMix. A parameter-free, lossless and orthonormal
    downsampling: every 2x2 block of every channel becomes its average
    (LL) and three edge responses (LH, HL, HH), so the spatial size halves,
    the channel count quadruples and nothing is lost (`InverseHaarDWT2D`
    reconstructs the input exactly; the energy is preserved). It mixes
    neighbouring pixels at no parameter cost and grows the receptive field
    faster than a 3x3 convolution.

    ```python
    for each 2x2 block [[a, b], [c, d]] of each channel:
        LL = (a + b + c + d) / 2     # approximation
        LH = (a + b - c - d) / 2     # low along the width, high along rows
        HL = (a - b + c - d) / 2     # high along the width
        HH = (a - b - c + d) / 2     # diagonal
    output = concatenate([LL, LH, HL, HH], channel axis)
    ```

    The subbands are concatenated subband-major (all LL channels, then LH,
    HL, HH), as the official WaveMix code concatenates its low band with the
    high bands; its high bands come channel-major (LH, HL, HH of channel 0,
    then of channel 1, ...), a channel permutation that the 1x1 convolution
    after the transform absorbs. The values equal `pywt.dwt2(x, "haar")`
    (cA, cH, cV, cD). Odd heights or widths are refused with a
    `ValueError` (pad or crop first); the official code pads one zero row
    or column instead.

    Args:
        data_format: `"channels_last"` (`(batch, height, width, channels)`)
            or `"channels_first"`. Defaults to `"channels_last"`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Call arguments:
        inputs: a floating-point rank-4 tensor with even height and width.

    Returns:
        `(batch, height / 2, width / 2, 4 * channels)` (channels_last) or
        `(batch, 4 * channels, height / 2, width / 2)` (channels_first).

    Example:

    >>> dwt = kerastricks.layers.HaarDWT2D()
    >>> tuple(dwt(np.ones((1, 4, 6, 3), "float32")).shape)
    (1, 2, 3, 12)

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
        input_shape = validation.check_input_rank("HaarDWT2D", "inputs",
                                                  input_shape, (4,))
        haar_wavelet.check_even_spatial_size("HaarDWT2D", "inputs",
                                             input_shape, self.data_format)

    def call(self, inputs):
        validation.check_floating_input("HaarDWT2D", "inputs", inputs)
        return haar_wavelet.haar_dwt2d(inputs, self.data_format)

    def compute_output_shape(self, input_shape):
        return haar_wavelet.dwt_output_shape(input_shape, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format})
        return config
