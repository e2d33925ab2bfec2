import math

import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.layers.scaled_long_skip import ScaledLongSkip
from kerastricks.utils import validation


def _residual_block(x, filters, name):
    """GroupNorm-swish-conv twice, plus a (1x1-projected) shortcut: the
    block of DDPM-style UNets, without the time embedding."""
    groups = math.gcd(8, x.shape[-1])
    h = keras.layers.GroupNormalization(groups, name=f"{name}_norm_1")(x)
    h = keras.layers.Activation("swish", name=f"{name}_act_1")(h)
    h = keras.layers.Conv2D(filters, 3, padding="same",
                            name=f"{name}_conv_1")(h)
    h = keras.layers.GroupNormalization(math.gcd(8, filters),
                                        name=f"{name}_norm_2")(h)
    h = keras.layers.Activation("swish", name=f"{name}_act_2")(h)
    h = keras.layers.Conv2D(filters, 3, padding="same",
                            name=f"{name}_conv_2")(h)
    shortcut = x
    if x.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1,
                                       name=f"{name}_shortcut")(x)
    return keras.layers.Add(name=name)([shortcut, h])


@kerastricks_export("kerastricks.models.ScaleLongUNet")
def ScaleLongUNet(input_shape=(32, 32, 3), filters=(32, 64, 128),
                  scaling="constant", kappa=0.5, reduction=16,
                  merge="concat", output_channels=None,
                  name="scale_long_unet"):
    """A small image UNet whose long skip connections are scaled (ScaleLong).

    One residual block per level on the way down (average pooling between
    levels) and on the way up (upsampling, then the scaled skip
    concatenated), a residual block at the bottleneck and a 3x3 output
    convolution. Every long skip passes through a
    `kerastricks.layers.ScaledLongSkip` before the decoder concatenates
    it: skip i (0 at the input resolution) is scaled by `kappa ** i` (CS) or
    by its learned calibration (LS). It has no timestep conditioning: add
    your own for diffusion; the builder shows the skip scaling.

    ```python
    for level i, f in enumerate(filters):   x = block(x, f); skips[i] = x
                                            x = avg_pool(x) (not the last)
    x = block(x)                            # bottleneck
    for level i from the deepest:           x = upsample(x) (not the last)
        x = block(concat(x, scale_i(skips[i])), filters[i])
    ```

    Args:
        input_shape: tuple `(height, width, channels)`, both sides
            divisible by `2 ** (len(filters) - 1)`. Defaults to
            `(32, 32, 3)`.
        filters: tuple of positive ints, the width of each level from the
            input resolution down. Defaults to `(32, 64, 128)`.
        scaling: `"constant"` (CS), `"learnable"` (LS) or `"none"` (the
            plain UNet). Defaults to `"constant"`.
        kappa: float in (0, 1], the base of the constant scaling. Defaults
            to `0.5` (the authors' code).
        reduction: positive int, the reduction ratio of the learnable
            scaling's calibration networks. Defaults to `16`.
        merge: `"concat"` (the decoder concatenates the skip, as U-Net)
            or `"add"` (adds it, projecting the upsampled features to the
            skip's width where they differ: the additive skips of the
            paper's analysis). Defaults to `"concat"`.
        output_channels: positive int or None, the output channels; None
            gives the input's. Defaults to `None`.
        name: str, the model's name. Defaults to `"scale_long_unet"`.

    Returns:
        A functional `keras.Model` from `(batch, *input_shape)` to
        `(batch, height, width, output_channels)`. Its decoder blocks are
        named `decoder_<i>` and its encoder blocks `encoder_<i>`.

    Example:

    >>> model = kerastricks.models.ScaleLongUNet((16, 16, 3), filters=(8, 16))
    >>> tuple(model(np.zeros((2, 16, 16, 3), "float32")).shape)
    (2, 16, 16, 3)

    References:
        - [Huang et al., 2023](https://arxiv.org/abs/2310.13545), "ScaleLong:
          Towards More Stable Training of Diffusion Model via Scaling
          Network Long Skip Connection".
        - [Ronneberger et al., 2015](https://arxiv.org/abs/1505.04597),
          "U-Net: Convolutional Networks for Biomedical Image Segmentation".
    """
    filters = validation.check_positive_int_sequence("filters", filters)
    input_shape = validation.check_positive_int_sequence("input_shape",
                                                         input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            "Argument `input_shape` must be (height, width, channels). "
            f"Received: input_shape={input_shape!r}")
    factor = 2 ** (len(filters) - 1)
    if input_shape[0] % factor or input_shape[1] % factor:
        raise ValueError(
            f"Argument `input_shape` must have height and width divisible "
            f"by 2 ** (len(filters) - 1) = {factor}. Received: "
            f"input_shape={input_shape!r}, filters={filters!r}")
    validation.check_one_of("scaling", scaling,
                            ("constant", "learnable", "none"))
    validation.check_in_range("kappa", kappa, 0, 1, low_inclusive=False)
    validation.check_positive_int("reduction", reduction)
    validation.check_one_of("merge", merge, ("concat", "add"))
    if output_channels is not None:
        validation.check_positive_int("output_channels", output_channels)
    if not isinstance(name, str):
        raise TypeError(f"Argument `name` must be a str. Received: "
                        f"name={name!r} of type {type(name).__name__}")

    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(filters[0], 3, padding="same", name="stem")(
        inputs)
    skips = []
    for level, width in enumerate(filters):
        x = _residual_block(x, width, f"encoder_{level}")
        skips.append(x)
        if level < len(filters) - 1:
            x = keras.layers.AveragePooling2D(2, name=f"down_{level}")(x)
    x = _residual_block(x, filters[-1], "bottleneck")
    for level in reversed(range(len(filters))):
        if level < len(filters) - 1:
            x = keras.layers.UpSampling2D(2, name=f"up_{level}")(x)
        skip = skips[level]
        if scaling != "none":
            skip = ScaledLongSkip(skip_index=level, scaling=scaling,
                                  kappa=kappa, reduction=reduction,
                                  name=f"skip_scale_{level}")(skip)
        if merge == "concat":
            x = keras.layers.Concatenate(name=f"merge_{level}")([x, skip])
        else:
            if x.shape[-1] != filters[level]:
                x = keras.layers.Conv2D(filters[level], 1,
                                        name=f"project_{level}")(x)
            x = keras.layers.Add(name=f"merge_{level}")([x, skip])
        x = _residual_block(x, filters[level], f"decoder_{level}")
    x = keras.layers.GroupNormalization(math.gcd(8, filters[0]),
                                        name="head_norm")(x)
    x = keras.layers.Activation("swish", name="head_act")(x)
    outputs = keras.layers.Conv2D(output_channels or input_shape[-1], 3,
                                  padding="same", name="head")(x)
    return keras.Model(inputs, outputs, name=name)
