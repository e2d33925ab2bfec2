"""The backbones of the `image_classifier` recipe, one registry entry each.

A backbone declares its own knobs (`declare(hp)`, called inside the
recipe's `conditional_scope("backbone", [name])`, returning their values)
and turns the images into a feature map `(batch, h, w, channels)`
(`features(images, values, distribution)`); the recipe adds the pooling
head and the classifier. Adding a backbone is adding one entry to
`BACKBONES`.
"""

from typing import Callable
from typing import NamedTuple

import keras

import kerastricks
from kerastricks.recipes.layers import batch_norm


class Backbone(NamedTuple):
    description: str
    declare: Callable
    features: Callable


def _declare_resnet(hp):
    values = {
        "resnet_width": hp.Choice("resnet_width", [16, 32, 64], default=32),
        "resnet_stages": hp.Int("resnet_stages", 1, 3, default=2),
        "tract": hp.Boolean("tract", default=False),
    }
    with hp.conditional_scope("tract", [True]):
        values["tract_lambda"] = hp.Float(
            "tract_lambda", 0.01, 10.0, sampling="log", default=0.1)
    return values


def resnet_features(images, values, distribution=None):
    """A 3x3 stem (optionally under TrAct) and `resnet_stages` stages of one
    basic residual block, doubling the width and halving the resolution
    after the first."""
    width = values["resnet_width"]
    stem = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)
    if values.get("tract"):
        stem = kerastricks.layers.TrAct(stem, lambda_=values["tract_lambda"])
    x = stem(images)
    x = keras.layers.Activation("relu")(batch_norm(distribution)(x))
    for stage in range(values["resnet_stages"]):
        x = _residual_block(x, width * 2**stage, 1 if stage == 0 else 2,
                            distribution)
    return x


def _residual_block(x, filters, strides, distribution):
    shortcut = x
    x = keras.layers.Conv2D(filters, 3, strides=strides, padding="same",
                            use_bias=False)(x)
    x = keras.layers.Activation("relu")(batch_norm(distribution)(x))
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = batch_norm(distribution)(x)
    if strides != 1 or shortcut.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, strides=strides,
                                       use_bias=False)(shortcut)
        shortcut = batch_norm(distribution)(shortcut)
    return keras.layers.Activation("relu")(keras.layers.Add()([x, shortcut]))


# The stem of each patch stride: the paper's 7x7/4 (padding 2) for large
# images, 3x3 convolutions for small ones.
POOLFORMER_STEMS = {1: (3, 1, 1), 2: (3, 2, 1), 4: (7, 4, 2)}


def _declare_poolformer(hp):
    return {
        "poolformer_width": hp.Choice("poolformer_width", [16, 32, 64],
                                      default=32),
        "poolformer_stages": hp.Int("poolformer_stages", 1, 3, default=2),
        "poolformer_depth": hp.Int("poolformer_depth", 1, 3, default=1),
        "poolformer_patch_stride": hp.Choice(
            "poolformer_patch_stride", [1, 2, 4], default=1),
        "poolformer_drop_path_rate": hp.Float(
            "poolformer_drop_path_rate", 0.0, 0.3, default=0.0),
    }


def poolformer_features(images, values, distribution=None):
    """`kerastricks.models.PoolFormer` without its top: `poolformer_stages`
    stages of `poolformer_depth` blocks, widths doubling from
    `poolformer_width`, then the paper's head norm (one-group GroupNorm)."""
    stages = values["poolformer_stages"]
    width = values["poolformer_width"]
    network = kerastricks.models.PoolFormer(
        input_shape=tuple(images.shape[1:]), include_top=False,
        depths=(values["poolformer_depth"],) * stages,
        embed_dims=tuple(width * 2**stage for stage in range(stages)),
        mlp_ratios=(4,) * stages,
        drop_path_rate=values["poolformer_drop_path_rate"],
        patch_embedding=POOLFORMER_STEMS[values["poolformer_patch_stride"]],
        name="poolformer")
    features = network(images)
    return keras.layers.GroupNormalization(groups=1, epsilon=1e-5,
                                           name="poolformer_norm")(features)


def _declare_wavemix(hp):
    return {
        "wavemix_channels": hp.Choice("wavemix_channels", [16, 32, 64],
                                      default=32),
        "wavemix_depth": hp.Int("wavemix_depth", 1, 4, default=2),
        "wavemix_dropout": hp.Float("wavemix_dropout", 0.0, 0.5,
                                    default=0.5),
        "wavemix_stem_strides": hp.Choice("wavemix_stem_strides", [1, 2],
                                          default=1),
    }


def wavemix_features(images, values, distribution=None):
    """`kerastricks.models.WaveMix` without its top: the official strided
    stem (two 3x3 convolutions, both with stride `wavemix_stem_strides`)
    and `wavemix_depth` WaveMix blocks of `wavemix_channels` channels, all
    at the stem's resolution (which must be even)."""
    depth = values["wavemix_depth"]
    # The builder always adds a classifier; the recipe keeps the feature
    # map of the last block and adds its own pooling head and classifier.
    network = kerastricks.models.WaveMix(
        num_classes=1, input_shape=tuple(images.shape[1:]), depth=depth,
        channels=values["wavemix_channels"],
        dropout=values["wavemix_dropout"],
        stem_strides=values["wavemix_stem_strides"])
    last_block = network.get_layer(f"wavemix_block_{depth - 1}")
    trunk = keras.Model(network.inputs, last_block.output, name="wavemix")
    return trunk(images)


BACKBONES = {
    "resnet": Backbone(
        "A small ResNet: BatchNorm, basic residual blocks (the presets' "
        "default).", _declare_resnet, resnet_features),
    "poolformer": Backbone(
        "A small PoolFormer (MetaFormer blocks with pooling as the token "
        "mixer, GroupNorm, LayerScale).", _declare_poolformer,
        poolformer_features),
    "wavemix": Backbone(
        "A small WaveMix (blocks that mix space with a parameter-free 2-D "
        "Haar wavelet transform).", _declare_wavemix, wavemix_features),
}
