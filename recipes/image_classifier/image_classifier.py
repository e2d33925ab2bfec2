"""The `image_classifier` recipe: a small ResNet, PoolFormer or WaveMix with
switchable tricks."""

import keras

import kerastricks
from kerastricks.recipes.image_classifier.backbones import BACKBONES
from kerastricks.recipes.image_recipe import ImageRecipe


class ImageClassifierRecipe(ImageRecipe):
    """A ResNet, PoolFormer or WaveMix with TrAct, AdamP/SGDP, SAM/SAF/MESA
    and GGeM.

    Searches the backbone (`resnet`, `poolformer`, `wavemix`: see
    `backbones.py`, one registry entry each, with their own width and depth
    knobs), the optimizer (`adam`, `adamp`, `sgdp`), TrAct on the ResNet's
    first convolution, a sharpness-aware wrapper (`none`, `sam`, `saf`,
    `mesa`) and the pooling head (`avg`, `ggem`). The default data is
    scikit-learn's bundled 8x8 digits (offline); any TFDS image dataset
    loads with `data="tfds:cifar10"`, and a `.npz` file with
    `data="path.npz"`.

    Args: see `ImageRecipe` (`input_shape`, `num_classes`, `distribution`).
    """

    name = "image_classifier"
    default_epochs = 10
    default_batch_size = 64

    def declare_hyperparameters(self, hp):
        values = {"backbone": hp.Choice("backbone", list(BACKBONES),
                                        default="resnet")}
        for name, backbone in BACKBONES.items():
            with hp.conditional_scope("backbone", [name]):
                values.update(backbone.declare(hp))
        values.update({
            "optimizer": hp.Choice("optimizer", ["adam", "adamp", "sgdp"],
                                   default="adamp"),
            "learning_rate": hp.Float("learning_rate", 1e-4, 1.0,
                                      sampling="log", default=1e-3),
            "weight_decay": hp.Float("weight_decay", 0.0, 1e-2, default=0.0),
            "wrapper": hp.Choice("wrapper", ["none", "sam", "saf", "mesa"],
                                 default="none"),
            "pooling": hp.Choice("pooling", ["avg", "ggem"], default="avg"),
        })
        with hp.conditional_scope("optimizer", ["adamp", "sgdp"]):
            values["adamp_delta"] = hp.Float("adamp_delta", 0.01, 0.5,
                                             sampling="log", default=0.1)
            values["adamp_wd_ratio"] = hp.Float("adamp_wd_ratio", 0.0, 1.0,
                                                default=0.1)
        with hp.conditional_scope("optimizer", ["sgdp"]):
            values["sgdp_momentum"] = hp.Float("sgdp_momentum", 0.0, 0.99,
                                               default=0.9)
        with hp.conditional_scope("wrapper", ["sam"]):
            values["sam_rho"] = hp.Float("sam_rho", 0.01, 2.0,
                                         sampling="log", default=0.05)
            values["sam_adaptive"] = hp.Boolean("sam_adaptive",
                                                default=False)
        for wrapper, weight in (("saf", 0.3), ("mesa", 0.8)):
            with hp.conditional_scope("wrapper", [wrapper]):
                values[f"{wrapper}_trajectory_loss_weight"] = hp.Float(
                    f"{wrapper}_trajectory_loss_weight", 0.0, 2.0,
                    default=weight)
                values[f"{wrapper}_temperature"] = hp.Float(
                    f"{wrapper}_temperature", 1.0, 10.0, default=5.0)
                values[f"{wrapper}_start_epoch"] = hp.Int(
                    f"{wrapper}_start_epoch", 0, 50, default=5)
        with hp.conditional_scope("wrapper", ["saf"]):
            values["saf_lag_epochs"] = hp.Int("saf_lag_epochs", 1, 5,
                                              default=3)
        with hp.conditional_scope("wrapper", ["mesa"]):
            # The authors' 0.9998 averages over ~5,000 steps, about four
            # ImageNet epochs; 0.95 is ~one epoch of digits at batch 64,
            # as the MESA card advises for small data.
            values["mesa_ema_momentum"] = hp.Float(
                "mesa_ema_momentum", 0.9, 0.9999, sampling="reverse_log",
                default=0.95)
        with hp.conditional_scope("pooling", ["ggem"]):
            values["ggem_groups"] = hp.Choice("ggem_groups", [1, 2, 4, 8],
                                              default=4)
            values["ggem_p"] = hp.Float("ggem_p", 1.0, 8.0, default=3.0)
        return {k: v for k, v in values.items() if v is not None}

    def build_model(self, values):
        model = self._network(values)
        if values["wrapper"] == "sam":
            model = kerastricks.models.SAM(model, rho=values["sam_rho"],
                        adaptive=values["sam_adaptive"])
        elif values["wrapper"] == "saf":
            model = kerastricks.models.SAF(
                model, num_examples=self.num_train_examples,
                trajectory_loss_weight=values["saf_trajectory_loss_weight"],
                temperature=values["saf_temperature"],
                start_epoch=values["saf_start_epoch"],
                lag_epochs=values["saf_lag_epochs"],
            )
        elif values["wrapper"] == "mesa":
            model = kerastricks.models.MESA(
                model,
                trajectory_loss_weight=values["mesa_trajectory_loss_weight"],
                temperature=values["mesa_temperature"],
                start_epoch=values["mesa_start_epoch"],
                ema_momentum=values["mesa_ema_momentum"],
            )
        return self.compile_classifier(model, self._optimizer(values))

    def _optimizer(self, values):
        name = values["optimizer"]
        if name == "adam":
            return keras.optimizers.AdamW(
                learning_rate=values["learning_rate"],
                weight_decay=values["weight_decay"],
            )
        if name == "adamp":
            return kerastricks.optimizers.AdamP(
                learning_rate=values["learning_rate"],
                delta=values["adamp_delta"],
                wd_ratio=values["adamp_wd_ratio"],
                weight_decay=values["weight_decay"],
            )
        return kerastricks.optimizers.SGDP(
            learning_rate=values["learning_rate"],
            momentum=values["sgdp_momentum"],
            nesterov=True,
            delta=values["adamp_delta"],
            wd_ratio=values["adamp_wd_ratio"],
            weight_decay=values["weight_decay"],
        )

    def _network(self, values):
        inputs = keras.Input(self.input_shape)
        x = BACKBONES[values["backbone"]].features(inputs, values,
                                                   self.distribution)
        if values["pooling"] == "ggem":
            x = kerastricks.layers.GroupGeneralizedMeanPooling(
                groups=values["ggem_groups"], p_initializer=values["ggem_p"]
            )(x)
        else:
            x = keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(self.num_classes)(x)
        return keras.Model(inputs, outputs, name="image_classifier")

