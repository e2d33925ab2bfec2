"""The `binary_net` recipe: a binary CNN body between a real-valued stem and
head, trained with a selectable estimator of the sign's gradient.

Wu et al., 2023, "Estimator Meets Equilibrium Perspective: A Rectified
Straight Through Estimator for Binary Neural Networks Training"
(https://arxiv.org/abs/2308.06689) and Vargas et al., 2024, "BiPer: Binary
Neural Networks using a Periodic Function"
(https://arxiv.org/abs/2404.01278) each report beating the clipped
straight-through estimator with their own; the presets compare the three on
the same network.
"""

import keras

import kerastricks
from kerastricks.recipes.image_recipe import ImageRecipe
from kerastricks.recipes.layers import batch_norm

ESTIMATORS = ("ste", "reste", "biper")
KERNEL_SCALES = ("channel", "tensor", "learned", "none")


class BinaryNetRecipe(ImageRecipe):
    """A CNN with 1-bit weights and activations in its body.

    A real-valued 3x3 convolution stem (with BatchNorm), then
    `binary_blocks` residual blocks, each a `BinaryConv2D` (binary weights
    and inputs) followed by BatchNorm and added to its input, then global
    average pooling and a real-valued dense head: the layout of the binary
    ResNets of the ReSTE and BiPer papers, where the first and last layers
    stay full precision. Searches the estimator (`ste`, `reste` with its
    o schedule, `biper` with its frequency ω), its knobs, the scaling factor
    of the binary kernels, the width and depth and the learning rate. The
    default data is scikit-learn's bundled 8x8 digits (offline); any TFDS
    image dataset loads with `data="tfds:cifar10"`, and a `.npz` file with
    `data="path.npz"`.

    Args: see `ImageRecipe` (`input_shape`, `num_classes`, `distribution`).
    """

    name = "binary_net"
    default_epochs = 30
    default_batch_size = 64

    def declare_hyperparameters(self, hp):
        values = {
            "binary_width": hp.Choice("binary_width", [16, 32, 64],
                                      default=32),
            "binary_blocks": hp.Int("binary_blocks", 1, 4, default=2),
            "estimator": hp.Choice("estimator", list(ESTIMATORS),
                                   default="reste"),
            "binary_activations": hp.Boolean("binary_activations",
                                             default=True),
            "kernel_scale": hp.Choice("kernel_scale", list(KERNEL_SCALES),
                                      default="channel"),
            "learning_rate": hp.Float("learning_rate", 1e-4, 1e-1,
                                      sampling="log", default=1e-3),
        }
        with hp.conditional_scope("estimator", ["ste"]):
            values["ste_threshold"] = hp.Float("ste_threshold", 0.5, 2.0,
                                               default=1.0)
        with hp.conditional_scope("estimator", ["reste"]):
            values["reste_threshold"] = hp.Float("reste_threshold", 1.0,
                                                 3.0, default=1.5)
            values["reste_root_degree_start"] = hp.Float(
                "reste_root_degree_start", 1.0, 3.0, default=1.0)
            values["reste_root_degree_end"] = hp.Float(
                "reste_root_degree_end", 1.0, 5.0, default=3.0)
        with hp.conditional_scope("estimator", ["biper"]):
            values["biper_omega"] = hp.Float("biper_omega", 1.0, 50.0,
                                             sampling="log", default=20.0)
        return {k: v for k, v in values.items() if v is not None}

    def build_model(self, values):
        model = self._network(values)
        # Adam rather than the papers' SGD with a cosine schedule over
        # hundreds of epochs: the recipe's runs are short.
        return self.compile_classifier(
            model, keras.optimizers.Adam(values["learning_rate"]))

    def make_callbacks(self, values, train_data, validation_data):
        if values["estimator"] != "reste":
            return []
        return [kerastricks.callbacks.ReSTESchedule(
            start=values["reste_root_degree_start"],
            end=values["reste_root_degree_end"])]

    def binary_layer_arguments(self, values):
        """The `BinaryConv2D` arguments the hyperparameters select."""
        estimator = values["estimator"]
        arguments = {
            "estimator": estimator,
            "binary_activations": values["binary_activations"],
            "kernel_scale": (None if values["kernel_scale"] == "none"
                             else values["kernel_scale"]),
        }
        if estimator == "ste":
            arguments["threshold"] = values["ste_threshold"]
        elif estimator == "reste":
            arguments["threshold"] = values["reste_threshold"]
            arguments["root_degree"] = values["reste_root_degree_start"]
        else:
            arguments["omega"] = values["biper_omega"]
        return arguments

    def _network(self, values):
        width = values["binary_width"]
        inputs = keras.Input(self.input_shape)
        x = keras.layers.Conv2D(width, 3, padding="same",
                                use_bias=False)(inputs)
        # No ReLU after the stem: the first binary convolution would see
        # only non-negative inputs, whose signs are all +1.
        x = batch_norm(self.distribution)(x)
        arguments = self.binary_layer_arguments(values)
        for _ in range(values["binary_blocks"]):
            shortcut = x
            x = kerastricks.layers.BinaryConv2D(width, 3, padding="same",
                                                **arguments)(x)
            x = batch_norm(self.distribution)(x)
            # The real-valued shortcut around each binary convolution
            # (Bi-Real Net, used by both papers' ResNets) keeps the
            # information the binarization drops.
            x = keras.layers.Add()([x, shortcut])
        x = keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(self.num_classes)(x)
        return keras.Model(inputs, outputs, name="binary_net")
