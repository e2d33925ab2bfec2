"""Contract rows of the robustness family: the AbeT head and the OOD
detection metrics, adversarial training and the saliency utilities (row
format: see technique_settings.py)."""

import numpy as np

import kerastricks
from tests.references import robustness as robustness_reference

_RNG = np.random.default_rng(0)
_FEATURES = _RNG.normal(size=(4, 5)).astype("float32")
# Scores on the centres of the metrics' bins (range (-4, 4), 800 bins),
# with ties across the classes: the binned values are then exact.
_SCORE_BINS = _RNG.integers(0, 800, size=24)
_SCORE_BINS[:4] = [10, 10, 500, 500]
_SCORES = ((_SCORE_BINS + 0.5) * 0.01 - 4.0).astype("float32")
_SCORE_LABELS = _RNG.integers(0, 2, size=24).astype("float32")
_SCORE_LABELS[:4] = [0, 1, 0, 1]
_SCORE_WEIGHTS = _RNG.uniform(0.5, 2.0, size=24).astype("float32")
_METRIC_KWARGS = {"score_range": (-4.0, 4.0), "num_bins": 800}


def _metric_row(reference):
    return {
        "kind": "metric", "init_kwargs": _METRIC_KWARGS,
        "reference": reference, "y_true": _SCORE_LABELS,
        "y_pred": _SCORES, "sample_weight": _SCORE_WEIGHTS,
    }


SETTINGS = {
    "kerastricks.layers.LearnedTemperatureHead": {
        "kind": "layer",
        "init_kwargs": {"units": 3},
        "input_data": _FEATURES,
        "expected_output_shape": (4, 3),
        # logits kernel and bias, temperature kernel and bias, BN gamma
        # and beta; BN moving mean and variance
        "expected_num_trainable_weights": 6,
        "expected_num_non_trainable_weights": 2,
        "expected_num_seed_generators": 0,
    },
    "kerastricks.metrics.FPRAt95TPR": _metric_row(
        robustness_reference.np_fpr_at_tpr),
    "kerastricks.metrics.OODAUROC": _metric_row(
        robustness_reference.np_auroc),
    "kerastricks.models.AdversarialTraining": {
        "kind": "model_wrapper",
        # One PGD step (from the random start) keeps the compiled step
        # small; the attacks are checked against NumPy in their own test.
        "init_kwargs": {"attack": "pgd", "epsilon": 0.1, "step_size": 0.05,
                        "steps": 1, "seed": 1},
    },
}

_BAD_SCORE_RANGES = [None, "abc", (1.0, 0.0), (float("nan"), 1.0), (0.0,)]
FUZZ_RANGES = {
    ("LearnedTemperatureHead", "units"): "count",
    ("LearnedTemperatureHead", "momentum"): [float("nan"), -0.5, 1.0, None,
                                             "abc", True],
    ("LearnedTemperatureHead", "kernel_initializer"): (
        "skip", "a Keras initializer identifier, checked by Keras"),
    ("FPRAt95TPR", "target_tpr"): [float("nan"), 0.0, 1.5, -0.5, None,
                                   "abc", True],
    ("FPRAt95TPR", "score_range"): _BAD_SCORE_RANGES,
    ("FPRAt95TPR", "num_bins"): "count",
    ("OODAUROC", "score_range"): _BAD_SCORE_RANGES,
    ("OODAUROC", "num_bins"): "count",
    ("AdversarialTraining", "model"): "object",
    ("AdversarialTraining", "attack"): "choice",
    ("AdversarialTraining", "epsilon"): "non_negative",
    ("AdversarialTraining", "step_size"): "non_negative",
    ("AdversarialTraining", "steps"): "count",
    ("AdversarialTraining", "adversarial_weight"): [
        float("nan"), -0.5, 1.5, True, "abc"],
    ("AdversarialTraining", "input_range"): _BAD_SCORE_RANGES[1:],
    ("AdversarialTraining", "seed"): [float("nan"), 2.5, True, "abc"],
}

def _head():
    return kerastricks.layers.LearnedTemperatureHead(3)


INVALID_CALLS = {
    "LearnedTemperatureHead": [
        (_head, _FEATURES[0], ValueError,
         "LearnedTemperatureHead expects `inputs` of rank >= 2 with a known "
         "feature (last) axis, (batch, ..., features). Received: inputs of "
         "shape (5,)"),
        (_head, _FEATURES.astype("int32"), TypeError,
         "LearnedTemperatureHead expects floating-point `inputs`"),
        (_head, _FEATURES > 0, TypeError,
         "LearnedTemperatureHead expects floating-point `inputs` (cast it, "
         "e.g. with keras.ops.cast(x, 'float32')). Received: inputs of "
         "dtype bool"),
    ],
}
