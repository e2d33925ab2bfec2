import numbers

import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.layers.metaformer_block import MetaFormerBlock
from kerastricks.layers.pooling_token_mixer import PoolingTokenMixer
from kerastricks.utils import validation

# The official configurations: blocks per stage, widths, MLP ratios and the
# LayerScale start (1e-6 for the deeper models, as the authors' code).
POOLFORMER_VARIANTS = {
    "S12": ((2, 2, 6, 2), (64, 128, 320, 512), (4, 4, 4, 4), 1e-5),
    "S24": ((4, 4, 12, 4), (64, 128, 320, 512), (4, 4, 4, 4), 1e-5),
    "S36": ((6, 6, 18, 6), (64, 128, 320, 512), (4, 4, 4, 4), 1e-6),
    "M36": ((6, 6, 18, 6), (96, 192, 384, 768), (4, 4, 4, 4), 1e-6),
    "M48": ((8, 8, 24, 8), (96, 192, 384, 768), (4, 4, 4, 4), 1e-6),
}
FINAL_NORMS = ("group", "pooled_layer")


@kerastricks_export("kerastricks.models.PoolFormer")
def PoolFormer(variant="S12", num_classes=1000, input_shape=None,
               include_top=True, depths=None, embed_dims=None,
               mlp_ratios=None, layer_scale_init_value=None,
               drop_path_rate=0.0, pool_size=3, patch_embedding=(7, 4, 2),
               downsampling=(3, 2, 1), final_norm="group", seed=None,
               name=None):
    """Builds a PoolFormer: a MetaFormer whose token mixer is pooling.

    PoolFormer replaces the attention of a hierarchical vision Transformer
    by parameter-free 3x3 average pooling and still reaches 82.1% ImageNet
    top-1 (M48), which the paper takes as evidence that the MetaFormer
    structure matters more than the token mixer. The network: a patch
    embedding (a 7x7 convolution of stride 4, zero padding 2), then four
    stages of `MetaFormerBlock`s with `PoolingTokenMixer`, joined by 3x3
    stride-2 convolutions (padding 1) that double the resolution step, and
    a head of one-group GroupNorm, global average pooling and a linear
    classifier. Returns a functional `keras.Model`, as `keras.applications`
    (channels-last images; transpose channels-first ones).

    ```python
    x = conv(pad(images, 2), 7x7, stride 4) -> embed_dims[0] channels
    for stage i: (if i > 0: x = conv(pad(x, 1), 3x3, stride 2))
                 x = MetaFormerBlock(PoolingTokenMixer) x depths[i]
    logits = dense(mean_hw(group_norm(x)))     # final_norm="group"
    ```

    | variant | depths | embed_dims | parameters |
    | --- | --- | --- | --- |
    | S12 | 2, 2, 6, 2 | 64, 128, 320, 512 | 11.9 M |
    | S24 | 4, 4, 12, 4 | 64, 128, 320, 512 | 21.4 M |
    | S36 | 6, 6, 18, 6 | 64, 128, 320, 512 | 30.9 M |
    | M36 | 6, 6, 18, 6 | 96, 192, 384, 768 | 56.2 M |
    | M48 | 8, 8, 24, 8 | 96, 192, 384, 768 | 73.5 M |

    Args:
        variant: `"S12"`, `"S24"`, `"S36"`, `"M36"` or `"M48"`, the
            paper's configuration (the arguments below that default to
            `None` override parts of it). Defaults to `"S12"`.
        num_classes: positive int, the classifier's outputs (logits).
            Defaults to `1000`.
        input_shape: `(height, width, 3)`-like tuple, channels last; the
            spatial sizes may be `None`. Defaults to `(224, 224, 3)`.
        include_top: bool; `False` returns the last stage's feature map
            `(batch, h, w, embed_dims[-1])`, before the final norm.
            Defaults to `True`.
        depths: tuple of positive ints, blocks per stage. Defaults to the
            variant's.
        embed_dims: tuple of positive ints, the width of each stage (as
            many as `depths`). Defaults to the variant's.
        mlp_ratios: tuple of floats > 0, each stage's MLP ratio. Defaults
            to the variant's (4 everywhere).
        layer_scale_init_value: float > 0, the LayerScale start. Defaults
            to the variant's (`1e-5` for S12 and S24, `1e-6` otherwise).
        drop_path_rate: float in [0, 1), the stochastic depth of the last
            block; block k of n gets `drop_path_rate * k / (n - 1)`, as the
            official code. Defaults to `0.0`.
        pool_size: odd positive int, the pooling window. Defaults to `3`.
        patch_embedding: `(kernel_size, strides, padding)` of the first
            convolution. Defaults to `(7, 4, 2)` (the paper); small images
            want e.g. `(3, 1, 1)`.
        downsampling: `(kernel_size, strides, padding)` of the convolutions
            between stages. Defaults to `(3, 2, 1)` (the paper).
        final_norm: `"group"`, one-group GroupNorm of the last feature map
            (epsilon 1e-5) before the average, as the paper's code; or
            `"pooled_layer"`, average first and then LayerNorm of the
            channels (epsilon 1e-6), as timm's current `poolformer_*` models
            compute their head (same weight shapes: use it to reproduce
            timm's outputs from its weights). Defaults to `"group"`.
        seed: int or None, the seed of the stochastic depth. Defaults to
            `None`.
        name: the model's name. Defaults to `"poolformer_<variant>"`.

    Returns:
        A functional `keras.Model`, images `(batch, height, width,
        channels)` to logits `(batch, num_classes)` (or the feature map
        without the top).

    Example:

    >>> model = kerastricks.models.PoolFormer(
    ...     num_classes=3, input_shape=(16, 16, 3), depths=(1, 1),
    ...     embed_dims=(8, 16), mlp_ratios=(2, 2), patch_embedding=(3, 2, 1))
    >>> tuple(model(np.zeros((2, 16, 16, 3), "float32")).shape)
    (2, 3)

    References:
        - [Yu et al., 2022](https://arxiv.org/abs/2111.11418), "MetaFormer
          Is Actually What You Need for Vision" (official code:
          github.com/sail-sg/poolformer).
    """
    validation.check_one_of("variant", variant, tuple(POOLFORMER_VARIANTS))
    (default_depths, default_dims, default_ratios,
     default_scale) = POOLFORMER_VARIANTS[variant]
    num_classes = validation.check_positive_int("num_classes", num_classes)
    input_shape = _check_input_shape(input_shape)
    validation.check_bool("include_top", include_top)
    depths = validation.check_positive_int_sequence(
        "depths", default_depths if depths is None else depths)
    embed_dims = validation.check_positive_int_sequence(
        "embed_dims", default_dims if embed_dims is None else embed_dims)
    mlp_ratios = _check_ratios(
        default_ratios[:len(depths)] if mlp_ratios is None else mlp_ratios)
    for argument, values in (("embed_dims", embed_dims),
                             ("mlp_ratios", mlp_ratios)):
        if len(values) != len(depths):
            raise ValueError(
                f"Argument `{argument}` needs one entry per stage of "
                f"`depths`. Received: {argument}={values!r}, "
                f"depths={depths!r}")
    if layer_scale_init_value is None:
        layer_scale_init_value = default_scale
    validation.check_positive("layer_scale_init_value",
                              layer_scale_init_value)
    validation.check_in_range("drop_path_rate", drop_path_rate, 0.0, 1.0,
                              high_inclusive=False)
    patch_embedding = _check_convolution("patch_embedding", patch_embedding)
    downsampling = _check_convolution("downsampling", downsampling)
    validation.check_one_of("final_norm", final_norm, FINAL_NORMS)
    if seed is not None and (isinstance(seed, bool)
                             or not isinstance(seed, int)):
        raise TypeError(
            f"Argument `seed` must be an int or None. Received: seed={seed!r}"
            f" of type {type(seed).__name__}")
    # Checked here, with the argument's name, rather than by the mixer.
    PoolingTokenMixer(pool_size=pool_size)

    inputs = keras.Input(input_shape, name="images")
    x = _convolution(inputs, embed_dims[0], patch_embedding, "stem")
    total_blocks = sum(depths)
    block_index = 0
    for stage, (depth, width, ratio) in enumerate(
            zip(depths, embed_dims, mlp_ratios)):
        if stage > 0:
            x = _convolution(x, width, downsampling,
                             f"stages_{stage}_downsample")
        for block in range(depth):
            rate = (drop_path_rate * block_index / (total_blocks - 1)
                    if total_blocks > 1 else 0.0)
            block_seed = None if seed is None else seed + block_index
            x = MetaFormerBlock(
                PoolingTokenMixer(pool_size=pool_size),
                mlp_ratio=float(ratio),
                layer_scale_init_value=layer_scale_init_value,
                drop_path_rate=rate, seed=block_seed,
                name=f"stages_{stage}_blocks_{block}")(x)
            block_index += 1
    if include_top:
        if final_norm == "group":
            x = keras.layers.GroupNormalization(
                groups=1, epsilon=1e-5, name="head_norm")(x)
            x = keras.layers.GlobalAveragePooling2D(name="head_pool")(x)
        else:
            x = keras.layers.GlobalAveragePooling2D(name="head_pool")(x)
            x = keras.layers.LayerNormalization(epsilon=1e-6,
                                                name="head_norm")(x)
        x = keras.layers.Dense(num_classes, name="head_fc")(x)
    return keras.Model(inputs, x,
                       name=name or f"poolformer_{variant.lower()}")


def _convolution(x, filters, spec, prefix):
    kernel_size, strides, padding = spec
    # Explicit symmetric zero padding, as the official convolutions: "same"
    # would pad (1, 2) for the 7x7 stride-4 stem instead of (2, 2).
    if padding:
        x = keras.layers.ZeroPadding2D(padding, name=f"{prefix}_padding")(x)
    return keras.layers.Conv2D(filters, kernel_size, strides=strides,
                               name=f"{prefix}_conv")(x)


def _check_input_shape(input_shape):
    if input_shape is None:
        return (224, 224, 3)
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(
            "Argument `input_shape` must be (height, width, channels), "
            f"channels last. Received: input_shape={input_shape!r}")
    for size in input_shape[:2]:
        if size is not None:
            validation.check_positive_int("input_shape", size)
    validation.check_positive_int("input_shape", input_shape[2])
    return tuple(input_shape)


def _check_ratios(ratios):
    if not isinstance(ratios, (tuple, list)) or not ratios:
        raise TypeError(
            "Argument `mlp_ratios` must be a non-empty tuple of floats > 0. "
            f"Received: mlp_ratios={ratios!r}")
    return tuple(validation.check_positive("mlp_ratios", ratio)
                 for ratio in ratios)


def _check_convolution(name, spec):
    if (not isinstance(spec, (tuple, list)) or len(spec) != 3
            or not all(isinstance(value, numbers.Integral)
                       and not isinstance(value, bool) for value in spec)
            or spec[0] < 1 or spec[1] < 1 or spec[2] < 0):
        raise ValueError(
            f"Argument `{name}` must be (kernel_size, strides, padding), "
            f"ints with kernel_size, strides >= 1 and padding >= 0. "
            f"Received: {name}={spec!r}")
    return tuple(int(value) for value in spec)
