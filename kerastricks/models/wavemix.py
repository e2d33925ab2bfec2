import numbers

import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.layers.wavemix_block import WaveMixBlock
from kerastricks.ops import haar_wavelet
from kerastricks.utils import validation

STEMS = ("strided", "patchify")


def _check_input_shape(input_shape):
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 3:
        raise TypeError(
            "Argument `input_shape` must be a tuple of 3 positive ints "
            "(height, width, channels), or (channels, height, width) for "
            f"channels_first. Received: input_shape={input_shape!r}")
    return validation.check_positive_int_sequence("input_shape", input_shape)


def _check_activation(classifier_activation):
    if classifier_activation is None or callable(classifier_activation):
        return classifier_activation
    if isinstance(classifier_activation, str):
        try:
            keras.activations.get(classifier_activation)
        except ValueError:
            pass
        else:
            return classifier_activation
    raise ValueError(
        "Argument `classifier_activation` must be None (logits), a Keras "
        "activation name such as 'softmax', or a callable. Received: "
        f"classifier_activation={classifier_activation!r}")


def _check_seed(seed):
    if seed is not None and (isinstance(seed, bool)
                             or not isinstance(seed, numbers.Integral)):
        raise TypeError(
            "Argument `seed` must be an int or None. Received: "
            f"seed={seed!r} of type {type(seed).__name__}")


def _stem(x, stem, channels, stem_strides, patch_size, data_format):
    def conv(filters, kernel, strides, padding="same"):
        return keras.layers.Conv2D(filters, kernel, strides=strides,
                                   padding=padding, data_format=data_format)

    if stem == "strided":
        # Zero padding of one pixel on each side then a valid convolution:
        # the official stem's geometry for every stride (Keras's "same"
        # pads only after the image for stride 2).
        for filters in (channels // 2, channels):
            x = keras.layers.ZeroPadding2D(1, data_format=data_format)(x)
            x = conv(filters, 3, stem_strides, padding="valid")(x)
        return x
    x = conv(channels // 4, 3, 1)(x)
    x = conv(channels // 2, 3, 1)(x)
    x = conv(channels, patch_size, patch_size, padding="valid")(x)
    # Keras's "gelu" activation is the exact (erf) form, as PyTorch's.
    x = keras.layers.Activation("gelu")(x)
    return keras.layers.BatchNormalization(
        axis=haar_wavelet.channel_axis(data_format), momentum=0.9,
        epsilon=1e-5)(x)


@kerastricks_export("kerastricks.models.WaveMix")
def WaveMix(num_classes, input_shape, depth=7, channels=144, mlp_ratio=2,
            ff_channels=None, dropout=0.5, stem="strided", stem_strides=1,
            patch_size=4, classifier_activation=None,
            data_format="channels_last", seed=None, name="wavemix"):
    """Builds the WaveMix image classifier as a functional `keras.Model`.

    A convolutional stem, `depth` residual `WaveMixBlock`s at one
    resolution (each mixes space with a parameter-free 2-D Haar wavelet
    transform), global average pooling and a linear classifier. The paper
    reports it matching CNNs and transformers of similar size on CIFAR,
    EMNIST, Places-365 and iNat-mini with fewer parameters and less GPU
    memory. The defaults are the paper's CIFAR-10 model (the official
    configuration `depth=7, final_dim=ff_channel=144, mult=2,
    dropout=0.5, level=1, initial_conv="strided", stride=1`, 94.58% top-1
    with its training recipe).

    ```python
    x = stem(images)          # "strided": two 3x3 convs, C/2 then C,
                              # both with stride `stem_strides`
                              # "patchify": 3x3 to C/4, 3x3 to C/2,
                              # patch_size conv to C, GELU, BatchNorm
    for _ in range(depth):
        x = WaveMixBlock(mlp_ratio, ff_channels, dropout)(x)   # residual
    logits = Dense(num_classes)(global_average_pool(x))
    ```

    Args:
        num_classes: positive int, the number of classes.
        input_shape: tuple of 3 positive ints, `(height, width, channels)`
            (`(channels, height, width)` for channels_first). The feature
            map after the stem must have an even height and width.
        depth: positive int, the number of WaveMix blocks. Defaults to `7`.
        channels: positive int divisible by 4, the width of the blocks
            (`final_dim` in the official code). Defaults to `144`.
        mlp_ratio: positive int, each block's MLP expansion (`mult`).
            Defaults to `2`.
        ff_channels: positive int or `None` (= `channels`), each block's
            MLP output width (`ff_channel`). Defaults to `None`.
        dropout: float in [0, 1), the blocks' dropout rate. Defaults to
            `0.5`.
        stem: `"strided"` or `"patchify"`, the official code's two stems
            (`initial_conv`). Defaults to `"strided"`.
        stem_strides: positive int, the stride of both strided-stem
            convolutions. Defaults to `1`.
        patch_size: positive int, the patch size of the patchify stem.
            Defaults to `4`.
        classifier_activation: `None` (logits, as the official model), an
            activation name such as `"softmax"`, or a callable. Defaults to
            `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `"channels_last"`.
        seed: int or `None`, the seed of the blocks' dropout (block `i`
            uses `seed + i`). Defaults to `None`.
        name: the model's name. Defaults to `"wavemix"`.

    Returns:
        A functional `keras.Model` from images to `(batch, num_classes)`.

    Example:

    >>> model = kerastricks.models.WaveMix(
    ...     num_classes=10, input_shape=(32, 32, 3), depth=2, channels=16)
    >>> tuple(model(np.zeros((1, 32, 32, 3), "float32")).shape)
    (1, 10)

    References:
        - [Jeevan et al., 2022](https://arxiv.org/abs/2205.14375),
          "WaveMix: A Resource-efficient Neural Network for Image
          Analysis".
    """
    num_classes = validation.check_positive_int("num_classes", num_classes)
    input_shape = _check_input_shape(input_shape)
    depth = validation.check_positive_int("depth", depth)
    channels = validation.check_positive_int("channels", channels)
    if channels % 4:
        raise ValueError(
            "Argument `channels` must be divisible by 4 (each block reduces "
            f"it to a quarter before the DWT). Received: channels={channels}")
    stem = validation.check_one_of("stem", stem, STEMS)
    stem_strides = validation.check_positive_int("stem_strides", stem_strides)
    patch_size = validation.check_positive_int("patch_size", patch_size)
    classifier_activation = _check_activation(classifier_activation)
    data_format = validation.check_one_of("data_format", data_format,
                                          haar_wavelet.DATA_FORMATS)
    mlp_ratio = validation.check_positive_int("mlp_ratio", mlp_ratio)
    if ff_channels is not None:
        validation.check_positive_int("ff_channels", ff_channels)
    dropout = validation.check_in_range("dropout", dropout, 0, 1,
                                        high_inclusive=False)
    _check_seed(seed)

    images = keras.Input(input_shape)
    x = _stem(images, stem, channels, stem_strides, patch_size, data_format)
    for index in range(depth):
        x = WaveMixBlock(
            mlp_ratio=mlp_ratio, ff_channels=ff_channels, dropout=dropout,
            data_format=data_format,
            seed=None if seed is None else seed + index,
            name=f"wavemix_block_{index}")(x)
    x = keras.layers.GlobalAveragePooling2D(data_format=data_format)(x)
    outputs = keras.layers.Dense(num_classes,
                                 activation=classifier_activation,
                                 name="predictions")(x)
    return keras.Model(images, outputs, name=name)
