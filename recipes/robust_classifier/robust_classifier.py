"""The `robust_classifier` recipe: a small CNN with a switchable defense
against adversarial examples."""

import keras

import kerastricks
from kerastricks.recipes.image_recipe import ImageRecipe
from kerastricks.recipes.layers import batch_norm
from kerastricks.recipes.robust_classifier.distilled_student import (
    DistilledStudent,
)

# Images of the image recipes lie in [0, 1]; adversarial inputs stay there.
INPUT_RANGE = (0.0, 1.0)


class RobustClassifierRecipe(ImageRecipe):
    """A CNN trained with a defense: none, FGSM or PGD adversarial training
    (`kerastricks.models.AdversarialTraining`) or defensive distillation.

    `defense` picks it: `"none"`, `"fgsm"` (Goodfellow et al., arXiv
    1412.6572), `"pgd"` (Madry et al., arXiv 1706.06083) or
    `"distillation"` (Papernot et al., "Distillation as a Defense to
    Adversarial Perturbations against Deep Neural Networks", arXiv
    1511.04508: a teacher trained at softmax temperature T, then a student
    of the same architecture trained at T on the teacher's soft labels and
    used at T = 1). The default data is scikit-learn's 8x8 digits in [0,
    1] (offline); `adversarial_epsilon` is in those pixel units.
    `benchmarks/robustness.py` measures clean and attacked accuracy of each
    defense.

    Args: see `ImageRecipe` (`input_shape`, `num_classes`, `distribution`).
    """

    name = "robust_classifier"
    default_epochs = 10
    default_batch_size = 64

    def declare_hyperparameters(self, hp):
        values = {
            "cnn_width": hp.Choice("cnn_width", [16, 32, 64], default=32),
            "learning_rate": hp.Float("learning_rate", 1e-4, 1e-1,
                                      sampling="log", default=1e-3),
            "defense": hp.Choice(
                "defense", ["none", "fgsm", "pgd", "distillation"],
                default="pgd"),
        }
        with hp.conditional_scope("defense", ["fgsm", "pgd"]):
            values["adversarial_epsilon"] = hp.Float(
                "adversarial_epsilon", 0.01, 0.3, sampling="log",
                default=0.1)
        with hp.conditional_scope("defense", ["pgd"]):
            values["pgd_steps"] = hp.Int("pgd_steps", 1, 20, default=7)
            values["pgd_step_fraction"] = hp.Float(
                "pgd_step_fraction", 0.05, 1.0, sampling="log",
                default=0.25)
        with hp.conditional_scope("defense", ["distillation"]):
            values["distillation_temperature"] = hp.Float(
                "distillation_temperature", 1.0, 100.0, sampling="log",
                default=20.0)
        return {k: v for k, v in values.items() if v is not None}

    def build_model(self, values):
        defense = values["defense"]
        if defense == "distillation":
            model = DistilledStudent(
                self._network(values, "student"),
                self._network(values, "teacher"),
                temperature=values["distillation_temperature"])
        else:
            model = self._network(values, "robust_classifier")
        if defense in ("fgsm", "pgd"):
            epsilon = values["adversarial_epsilon"]
            options = {}
            if defense == "pgd":
                options = {"steps": values["pgd_steps"],
                           "step_size": epsilon
                           * values["pgd_step_fraction"]}
            model = kerastricks.models.AdversarialTraining(
                model, attack=defense, epsilon=epsilon,
                input_range=INPUT_RANGE, seed=0, **options)
        return self.compile_classifier(
            model, keras.optimizers.Adam(values["learning_rate"]))

    def fit(self, hp, model, *args, **kwargs):
        # Distillation trains its teacher first, on the same arrays for the
        # same number of epochs; not on resume (`initial_epoch` > 0): the
        # teacher's weights are then in the checkpoint.
        if isinstance(model, DistilledStudent) and not kwargs.get(
                "initial_epoch"):
            x = args[0] if args else kwargs["x"]
            y = args[1] if len(args) > 1 else kwargs.get("y")
            if hasattr(x, "arrays"):  # the runner's shuffled batches
                x, y = x.arrays()
            batch_size = (kwargs.get("batch_size")
                          or kwargs.get("validation_batch_size")
                          or self.default_batch_size)
            with self.scope():
                model.train_teacher(
                    x, y, epochs=kwargs.get("epochs", self.default_epochs),
                    batch_size=batch_size, verbose=0)
        return super().fit(hp, model, *args, **kwargs)

    def _network(self, values, name):
        width = values["cnn_width"]
        inputs = keras.Input(self.input_shape)
        x = inputs
        for filters in (width, 2 * width):
            x = keras.layers.Conv2D(filters, 3, padding="same",
                                    use_bias=False)(x)
            x = keras.layers.Activation("relu")(
                batch_norm(self.distribution)(x))
        x = keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(self.num_classes)(x)
        return keras.Model(inputs, outputs, name=name)
