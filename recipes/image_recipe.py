"""`ImageRecipe`: the base of the recipes that classify labelled images."""

import keras

import kerastricks
from kerastricks.recipes import datasets
from kerastricks.recipes.recipe import Recipe
from kerastricks.utils.optional_dependencies import import_optional


class ImageRecipe(Recipe):
    """A recipe on labelled images, `(n, height, width, channels)`.

    The fixed problem (input shape, number of classes) defaults to the data
    `load_data` reads, or to scikit-learn's bundled 8x8 digits (offline,
    the default data); `data` may also be `"tfds:NAME"` (any TFDS image
    dataset with supervised keys) or a `.npz` file with `x` and `y`.

    Args:
        input_shape: `(height, width, channels)`. Defaults to the shape of
            the data passed to `load_data`, or `(8, 8, 1)` (digits).
        num_classes: int. Defaults to the data's, or `10`.
        distribution: see `Recipe`.
        tunable: see `Recipe`.
    """

    def __init__(self, input_shape=None, num_classes=None, distribution=None,
                 tunable=True):
        super().__init__(distribution=distribution, tunable=tunable)
        self._explicit_problem = {
            "input_shape": None if input_shape is None else tuple(input_shape),
            "num_classes": num_classes,
        }
        self.input_shape = tuple(input_shape or (8, 8, 1))
        if len(self.input_shape) != 3:
            raise ValueError(
                "Argument `input_shape` must be (height, width, channels). "
                f"Received: input_shape={input_shape!r}"
            )
        self.num_classes = kerastricks.utils.validation.check_positive_int(
            "num_classes", num_classes or 10
        )
        self.num_train_examples = None

    def default_data(self, seed):
        sklearn_datasets = import_optional(
            "sklearn.datasets", "The image recipes' default data (digits)")
        digits = sklearn_datasets.load_digits()
        x = (digits.images / 16.0).astype("float32")[..., None]
        return datasets.split(x, digits.target.astype("int32"), seed=seed)

    def load_file(self, path, seed):
        return datasets.load_npz(path, seed)

    def load_tfds(self, dataset_name, seed):
        return datasets.load_tfds(dataset_name, seed)

    def check_data(self, splits):
        prepared = datasets.check_images(splits, self.name)
        self.input_shape, self.num_classes = datasets.adapt_image_problem(
            self._explicit_problem, prepared)
        self.num_train_examples = len(prepared["train"][0])
        return prepared

    def compile_classifier(self, model, optimizer):
        """Compiles `model`, whose outputs are class logits, with
        `optimizer`, the sparse categorical cross-entropy and accuracy."""
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        return model

    def summarize(self, history):
        """Final and best validation accuracy, and the final loss."""
        logs = history.history if hasattr(history, "history") else history
        accuracy = list(logs.get("val_accuracy", []))
        return {
            "final_val_accuracy": float(accuracy[-1]) if accuracy else None,
            "best_val_accuracy": float(max(accuracy)) if accuracy else None,
            "final_loss": float(logs["loss"][-1]) if logs.get("loss")
            else None,
        }
