"""Contract rows and fuzz ranges of random-subspace training and the
intrinsic dimension search (merged into `technique_settings.SETTINGS`)."""

import keras
import numpy as np

_RNG = np.random.default_rng(41)
_X = _RNG.normal(size=(12, 3)).astype("float32")
_Y = (_X[:, 0] > 0).astype("int32")


def _small_classifier():
    # D = 3 * 4 + 4 + 4 * 2 + 2 = 26 trainable weights.
    return keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, activation="relu"),
        keras.layers.Dense(2),
    ])


SETTINGS = {
    "kerastricks.models.RandomSubspaceModel": {
        "kind": "model_wrapper",
        "init_kwargs": {"dimension": 8, "projection": "fastfood", "seed": 0},
    },
    "kerastricks.utils.intrinsic_dimension_search": {
        "kind": "utility",
        "kwargs": {"build_model": _small_classifier,
                   "train_data": (_X, _Y), "validation_data": (_X, _Y),
                   "dimensions": [4, 2], "epochs": 1, "batch_size": 12},
        "expected": [2, 4, 26],
        # The dimensions come back sorted, with D of the model.
        "observe": lambda result: [*result["dimensions"],
                                   result["num_parameters"]],
    },
}

FUZZ_RANGES = {
    ("RandomSubspaceModel", "model"): "object",
    ("RandomSubspaceModel", "dimension"): "count",
    ("RandomSubspaceModel", "projection"): "choice",
    ("RandomSubspaceModel", "seed"): "optional_index",
    ("intrinsic_dimension_search", "build_model"): "object",
    ("intrinsic_dimension_search", "train_data"): "object",
    ("intrinsic_dimension_search", "validation_data"): "object",
    ("intrinsic_dimension_search", "dimensions"): "int_sequence",
    ("intrinsic_dimension_search", "projection"): "choice",
    ("intrinsic_dimension_search", "threshold"): [
        float("nan"), float("inf"), 0.0, 1.5, True, None, "abc"],
    ("intrinsic_dimension_search", "epochs"): "count",
    ("intrinsic_dimension_search", "batch_size"): "count",
    ("intrinsic_dimension_search", "optimizer"): (
        "skip", "an optimizer name or factory, checked by Keras"),
    ("intrinsic_dimension_search", "loss"): (
        "skip", "a base Keras argument that Keras itself checks"),
    ("intrinsic_dimension_search", "seed"): "index",
    ("intrinsic_dimension_search", "path"): (
        "skip", "any file path; written last"),
}
