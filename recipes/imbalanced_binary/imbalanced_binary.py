"""The `imbalanced_binary` recipe: AnyLoss against binary cross-entropy on
an imbalanced tabular problem.

Han, Moniz and Chawla, 2024, "AnyLoss: Transforming Classification Metrics
into Loss Functions" (https://arxiv.org/abs/2405.14745) report that training
on the metric itself (F1, balanced accuracy, ...) through a differentiable
confusion matrix does best on imbalanced data.
"""

import csv

import keras
import numpy as np

import kerastricks
from kerastricks.recipes import datasets
from kerastricks.recipes.metrics import ThresholdedBinaryMetric
from kerastricks.recipes.recipe import Recipe
from kerastricks.utils.optional_dependencies import import_optional

_DEFAULT_FEATURES = 30  # scikit-learn's breast-cancer data
LOSSES = {
    "binary_cross_entropy": None,
    "any_loss_f1": "f1",
    "any_loss_balanced_accuracy": "balanced_accuracy",
    "any_loss_geometric_mean": "geometric_mean",
    "any_loss_accuracy": "accuracy",
}


class ImbalancedBinaryRecipe(Recipe):
    """An MLP for binary classification of tabular data with AnyLoss.

    Searches the loss (`any_loss_f1`, the other AnyLoss metrics, or
    `binary_cross_entropy`), AnyLoss's amplifying scale, the width and depth
    of the MLP and the learning rate; reports F1 and balanced accuracy on the
    validation split (positive class: label 1). The default data is
    scikit-learn's bundled breast-cancer set (offline) with the malignant
    class, made the positive label, subsampled to `positive_fraction` of the
    examples; `data` may name a `.npz` (`x`, `y`) or `.csv` file (features,
    then a 0/1 label in the last column). Features are standardized with the
    training split's mean and standard deviation.

    Args:
        num_features: int. Defaults to the data's, or `30` (breast cancer).
        positive_fraction: float in (0, 0.5], the share of positives the
            default data is subsampled to. Defaults to `0.05`.
        validation_fraction: float in (0, 1), the stratified share held out
            for validation. Defaults to `0.3`.
        distribution: see `Recipe`.
    """

    name = "imbalanced_binary"
    default_epochs = 200
    # Full batch: AnyLoss is a batch statistic, and a batch must hold enough
    # of the rare class for its confusion matrix to mean anything.
    default_batch_size = None
    objective = ("val_f1", "max")

    def __init__(self, num_features=None, positive_fraction=0.05,
                 validation_fraction=0.3, distribution=None, tunable=True):
        super().__init__(distribution=distribution, tunable=tunable)
        validation = kerastricks.utils.validation
        self._explicit_num_features = (
            None if num_features is None
            else validation.check_positive_int("num_features", num_features)
        )
        self.num_features = self._explicit_num_features or _DEFAULT_FEATURES
        self.positive_fraction = validation.check_in_range(
            "positive_fraction", positive_fraction, 0, 0.5,
            low_inclusive=False,
        )
        self.validation_fraction = validation.check_in_range(
            "validation_fraction", validation_fraction, 0, 1,
            low_inclusive=False, high_inclusive=False,
        )

    def declare_hyperparameters(self, hp):
        values = {
            "loss": hp.Choice("loss", list(LOSSES), default="any_loss_f1"),
            "mlp_hidden_units": hp.Int("mlp_hidden_units", 8, 128,
                                       sampling="log", default=32),
            "mlp_layers": hp.Int("mlp_layers", 1, 3, default=2),
            "learning_rate": hp.Float("learning_rate", 1e-4, 1e-1,
                                      sampling="log", default=1e-2),
        }
        with hp.conditional_scope("loss", [name for name, metric in
                                           LOSSES.items() if metric]):
            values["any_loss_amplifying_scale"] = hp.Float(
                "any_loss_amplifying_scale", 1.0, 200.0, sampling="log",
                default=73.0,
            )
        return {k: v for k, v in values.items() if v is not None}

    def build_model(self, values):
        layers = [keras.Input((self.num_features,))]
        for _ in range(values["mlp_layers"]):
            layers.append(keras.layers.Dense(values["mlp_hidden_units"],
                                             activation="relu"))
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
        model = keras.Sequential(layers, name="imbalanced_binary_mlp")
        metric = LOSSES[values["loss"]]
        if metric is None:
            loss = keras.losses.BinaryCrossentropy()
        else:
            loss = kerastricks.losses.AnyLoss(
                metric=metric,
                amplifying_scale=values["any_loss_amplifying_scale"],
            )
        model.compile(
            optimizer=keras.optimizers.Adam(values["learning_rate"]),
            loss=loss,
            metrics=[ThresholdedBinaryMetric("f1"),
                     ThresholdedBinaryMetric("balanced_accuracy"),
                     ThresholdedBinaryMetric("accuracy")],
        )
        return model

    def default_data(self, seed):
        sklearn_datasets = import_optional(
            "sklearn.datasets",
            "The imbalanced_binary recipe's default data (breast cancer)")
        bundled = sklearn_datasets.load_breast_cancer()
        x = bundled.data.astype("float32")
        y = (bundled.target == 0).astype("int32")  # malignant -> positive
        rng = np.random.default_rng(seed)
        positives = np.flatnonzero(y == 1)
        negatives = np.flatnonzero(y == 0)
        wanted = int(round(self.positive_fraction / (1 - self.positive_fraction)
                           * len(negatives)))
        kept = np.concatenate([
            negatives, rng.choice(positives, min(wanted, len(positives)),
                                  replace=False)])
        return self._stratified_split(x[kept], y[kept], rng)

    def load_file(self, path, seed):
        rng = np.random.default_rng(seed)
        if str(path).endswith(".csv"):
            return self._stratified_split(*_read_csv(path), rng)
        if str(path).endswith(".npz"):
            with np.load(path, allow_pickle=False) as archive:
                if {"x", "y"} <= set(archive.files):
                    return self._stratified_split(archive["x"],
                                                  archive["y"], rng)
        return datasets.load_npz(path, seed)

    def _stratified_split(self, x, y, rng):
        validation = []
        for label in np.unique(y):
            rows = rng.permutation(np.flatnonzero(y == label))
            validation.append(rows[:max(1, int(round(
                self.validation_fraction * len(rows))))])
        validation = np.concatenate(validation)
        train = np.setdiff1d(np.arange(len(y)), validation)
        train, validation = rng.permutation(train), rng.permutation(validation)
        return {"train": (x[train], y[train]),
                "validation": (x[validation], y[validation])}

    def check_data(self, splits):
        prepared = {}
        for split_name in ("train", "validation"):
            x, y = (np.asarray(a) for a in splits[split_name])
            if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
                raise ValueError(
                    "imbalanced_binary expects features of shape (n, "
                    f"features) and n labels. Received: {split_name} x of "
                    f"shape {x.shape}, y of shape {y.shape}"
                )
            labels = set(np.unique(y).tolist())
            if not labels <= {0, 1}:
                raise ValueError(
                    "imbalanced_binary expects 0/1 labels. Received "
                    f"{split_name} labels {sorted(labels)}"
                )
            prepared[split_name] = (x.astype("float32"), y.astype("int32"))
        if prepared["train"][1].min() == prepared["train"][1].max():
            raise ValueError(
                "The training split holds a single class; imbalanced_binary "
                "needs both labels."
            )
        mean = prepared["train"][0].mean(axis=0)
        scale = prepared["train"][0].std(axis=0)
        scale[scale == 0] = 1.0
        for split_name, (x, y) in prepared.items():
            prepared[split_name] = ((x - mean) / scale, y)
        num_features = prepared["train"][0].shape[1]
        if self._explicit_num_features not in (None, num_features):
            raise ValueError(
                f"The data has {num_features} features but the recipe was "
                f"made with num_features={self._explicit_num_features}"
            )
        self.num_features = num_features
        return prepared

    def summarize(self, history):
        """Final and best validation F1, and the final balanced accuracy."""
        logs = history.history if hasattr(history, "history") else history
        f1 = list(logs.get("val_f1", []))
        balanced = list(logs.get("val_balanced_accuracy", []))
        return {
            "final_val_f1": float(f1[-1]) if f1 else None,
            "best_val_f1": float(max(f1)) if f1 else None,
            "final_val_balanced_accuracy": float(balanced[-1])
            if balanced else None,
            "final_loss": float(logs["loss"][-1]) if logs.get("loss")
            else None,
        }


def _read_csv(path):
    """Features and 0/1 labels (last column) of a CSV file, with or without
    a header row."""
    with open(path, newline="") as file:
        rows = [row for row in csv.reader(file) if row]
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]
    try:
        table = np.asarray(rows, dtype="float32")
    except ValueError as error:
        raise ValueError(
            f"{path} must hold numbers only (features, then the label). "
            f"{error}"
        ) from None
    if table.ndim != 2 or table.shape[1] < 2:
        raise ValueError(
            f"{path} must have at least two columns (features, then the "
            f"label). Received a table of shape {table.shape}"
        )
    return table[:, :-1], table[:, -1].astype("int32")


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
