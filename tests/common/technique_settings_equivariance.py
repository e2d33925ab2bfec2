"""Contract rows and fuzz ranges of the soft-equivariance and orbit
evaluation techniques (merged into `technique_settings.SETTINGS`)."""

import keras
import numpy as np

_RNG = np.random.default_rng(31)
_IMAGES = _RNG.uniform(size=(3, 6, 6, 1)).astype("float32")
_LABELS = np.array([0, 1, 0])


def _classifier():
    return keras.Sequential([
        keras.Input((6, 6, 1)),
        keras.layers.Conv2D(2, 3),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="softmax"),
    ])


def _quarter_turn_confidence(kwargs):
    # Quarter turns permute the pixels: numpy.rot90 gives the same images.
    model, x, y = kwargs["model"], kwargs["x"], kwargs["y"]
    return np.array([
        keras.ops.convert_to_numpy(model(np.rot90(x, turns, axes=(1, 2))))[
            np.arange(len(y)), y].mean()
        for turns in range(4)])


SETTINGS = {
    # The harness's inner model reads vectors: 1-D signals, whose groups
    # are the flips and the cyclic translations.
    "kerastricks.models.SoftEquivariance": {
        "kind": "model_wrapper",
        "init_kwargs": {"group": ["flips", "translations"],
                        "weight": [0.1, 0.1]},
    },
    "kerastricks.utils.nero_evaluation": {
        "kind": "utility",
        "kwargs": lambda: {"model": _classifier(), "x": _IMAGES,
                           "y": _LABELS, "orbit": [0, 90, 180, 270]},
        "expected": _quarter_turn_confidence,
        "observe": lambda result: result["confidence"],
        # Bilinear sampling at coordinates rounded in float32.
        "tolerance": (1e-5, 1e-5),
    },
}

FUZZ_RANGES = {
    ("SoftEquivariance", "model"): "object",
    ("SoftEquivariance", "group"): ["abc", None, 1, True, []],
    ("SoftEquivariance", "weight"): [float("nan"), float("inf"), -1.0, True,
                                     None, "abc", [1.0]],
    ("SoftEquivariance", "output_action"): "choice",
    ("nero_evaluation", "model"): "object",
    ("nero_evaluation", "x"): ("skip", "array data: a call-time check"),
    ("nero_evaluation", "y"): ("skip", "array data: a call-time check"),
    ("nero_evaluation", "transform"): "choice",
    ("nero_evaluation", "orbit"): ["abc", 1, [], [float("nan")], [True],
                                   [(0, 1)]],
    ("nero_evaluation", "fill_mode"): "choice",
    ("nero_evaluation", "batch_size"): "count",
    ("nero_evaluation", "path"): ("skip", "any file path; written last"),
}
