"""The `contrastive` recipe: contrastive pre-training of a small encoder on
scikit-learn's digits, evaluated by a linear probe on frozen embeddings.

Khosla et al., 2020, "Supervised Contrastive Learning"
(https://arxiv.org/abs/2004.11362), and Chen et al., 2020, "A Simple
Framework for Contrastive Learning of Visual Representations"
(https://arxiv.org/abs/2002.05709): an encoder plus a projection head is
trained on two augmented views of each image; the projection head is then
dropped and a linear classifier is fitted on the encoder's embeddings.
"""

import keras
import numpy as np

import kerastricks
from kerastricks.recipes.image_recipe import ImageRecipe
from kerastricks.recipes.layers import TwoViewContrastiveModel
from kerastricks.recipes.layers import batch_norm
from kerastricks.utils.optional_dependencies import import_optional

OBJECTIVES = ("supervised_contrastive", "nt_xent", "cross_entropy")


class LinearProbe(keras.callbacks.Callback):
    """Fits a linear classifier on frozen embeddings after every epoch.

    Embeds the training and validation images with `encoder_of(model)`,
    standardizes the embeddings and fits scikit-learn's multinomial
    logistic regression; logs `probe_accuracy` (training split) and
    `val_probe_accuracy`.
    """

    def __init__(self, train_data, validation_data, encoder_of):
        super().__init__()
        self.train_data = train_data
        self.validation_data = validation_data
        self.encoder_of = encoder_of

    def evaluate(self):
        linear_model = import_optional(
            "sklearn.linear_model", "The contrastive recipe's linear probe")
        LogisticRegression = linear_model.LogisticRegression  # noqa: N806

        encoder = self.encoder_of(self.model)
        embed = lambda images: np.asarray(  # noqa: E731
            encoder.predict(images, batch_size=512, verbose=0), "float64")
        train = embed(self.train_data[0])
        mean, scale = train.mean(axis=0), train.std(axis=0) + 1e-8
        probe = LogisticRegression(max_iter=2000)
        probe.fit((train - mean) / scale, self.train_data[1])
        results = {"probe_accuracy": probe.score((train - mean) / scale,
                                                 self.train_data[1])}
        if self.validation_data is not None:
            validation = (embed(self.validation_data[0]) - mean) / scale
            results["val_probe_accuracy"] = probe.score(
                validation, self.validation_data[1])
        return results

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self.evaluate())


def encoder_of(model):
    """The encoder inside a model built by `ContrastiveRecipe`."""
    if isinstance(model, TwoViewContrastiveModel):
        return model.encoder
    return model.get_layer("encoder")


class ContrastiveRecipe(ImageRecipe):
    """Supervised-contrastive or NT-Xent pre-training, then a linear probe.

    Searches the objective (`supervised_contrastive`, `nt_xent`, or
    `cross_entropy` for the from-scratch baseline), its temperature, the
    augmentation strength, the encoder's width and embedding size and the
    learning rate. Every epoch a linear probe (logistic regression on the
    frozen, standardized embeddings) reports `val_probe_accuracy`, the
    recipe's objective; the cross-entropy baseline also reports its own
    `val_accuracy`. The default data is scikit-learn's bundled 8x8 digits;
    `data` may name a `.npz` file or a TFDS image dataset (`tfds:mnist`).

    Args: see `ImageRecipe` (`input_shape`, `num_classes`, `distribution`).
    """

    name = "contrastive"
    default_epochs = 30
    # Contrastive losses compare each example with the rest of its batch.
    default_batch_size = 128
    objective = ("val_probe_accuracy", "max")

    def declare_hyperparameters(self, hp):
        values = {
            "objective": hp.Choice("objective", list(OBJECTIVES),
                                   default="supervised_contrastive"),
            "encoder_width": hp.Choice("encoder_width", [16, 32, 64],
                                       default=32),
            "embedding_dim": hp.Choice("embedding_dim", [32, 64, 128],
                                       default=64),
            "projection_dim": hp.Choice("projection_dim", [16, 32, 64],
                                        default=32),
            "augmentation_translation": hp.Float(
                "augmentation_translation", 0.0, 0.3, default=0.125),
            "augmentation_noise": hp.Float("augmentation_noise", 0.0, 0.5,
                                           default=0.1),
            "learning_rate": hp.Float("learning_rate", 1e-4, 1e-1,
                                      sampling="log", default=1e-3),
        }
        with hp.conditional_scope("objective", ["supervised_contrastive"]):
            values["supervised_contrastive_temperature"] = hp.Float(
                "supervised_contrastive_temperature", 0.01, 1.0,
                sampling="log", default=0.07)
        with hp.conditional_scope("objective", ["nt_xent"]):
            values["nt_xent_temperature"] = hp.Float(
                "nt_xent_temperature", 0.01, 1.0, sampling="log",
                default=0.1)
        return {k: v for k, v in values.items() if v is not None}

    def build_model(self, values):
        encoder = self._encoder(values)
        augmentation = keras.Sequential([
            keras.Input(self.input_shape),
            keras.layers.RandomTranslation(
                values["augmentation_translation"],
                values["augmentation_translation"], fill_mode="constant"),
            keras.layers.GaussianNoise(values["augmentation_noise"]),
        ], name="augmentation")
        optimizer = keras.optimizers.Adam(values["learning_rate"])
        if values["objective"] == "cross_entropy":
            inputs = keras.Input(self.input_shape)
            outputs = keras.layers.Dense(self.num_classes)(
                encoder(augmentation(inputs)))
            model = keras.Model(inputs, outputs, name="from_scratch")
            model.compile(
                optimizer=optimizer,
                loss=keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True),
                metrics=["accuracy"],
            )
            return model
        projection_head = keras.Sequential([
            keras.Input((values["embedding_dim"],)),
            keras.layers.Dense(values["embedding_dim"], activation="relu"),
            keras.layers.Dense(values["projection_dim"]),
        ], name="projection_head")
        if values["objective"] == "supervised_contrastive":
            loss = kerastricks.losses.SupervisedContrastiveLoss(
                temperature=values["supervised_contrastive_temperature"])
        else:
            loss = kerastricks.losses.NTXentLoss(
                temperature=values["nt_xent_temperature"])
        model = TwoViewContrastiveModel(encoder, projection_head,
                                        augmentation, name="contrastive")
        model.compile(optimizer=optimizer, loss=loss)
        model(np.zeros((1,) + self.input_shape, "float32"))
        return model

    def _encoder(self, values):
        width = values["encoder_width"]
        return keras.Sequential([
            keras.Input(self.input_shape),
            keras.layers.Conv2D(width, 3, padding="same", use_bias=False),
            batch_norm(self.distribution),
            keras.layers.Activation("relu"),
            keras.layers.Conv2D(2 * width, 3, strides=2, padding="same",
                                use_bias=False),
            batch_norm(self.distribution),
            keras.layers.Activation("relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(values["embedding_dim"], activation="relu"),
        ], name="encoder")

    def make_callbacks(self, values, train_data, validation_data):
        if train_data is None:
            return []
        return [LinearProbe(train_data, validation_data, encoder_of)]

    def summarize(self, history):
        """Final and best linear-probe validation accuracy (and the
        baseline's own validation accuracy)."""
        logs = history.history if hasattr(history, "history") else history
        probe = list(logs.get("val_probe_accuracy", []))
        summary = {
            "final_val_probe_accuracy": float(probe[-1]) if probe else None,
            "best_val_probe_accuracy": float(max(probe)) if probe else None,
            "final_loss": float(logs["loss"][-1]) if logs.get("loss")
            else None,
        }
        if logs.get("val_accuracy"):
            summary["final_val_accuracy"] = float(logs["val_accuracy"][-1])
        return summary
