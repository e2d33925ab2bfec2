"""Contract rows of the robustness family: the AbeT head and the OOD
detection metrics, adversarial training and the saliency utilities (row
format: see technique_settings.py)."""

import keras
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


_IMAGES = _RNG.uniform(size=(2, 3, 3, 2)).astype("float32")
_TARGETS = np.array([2, 0])


def _linear_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.set_weights([_RNG.normal(size=w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def _conv_model():
    """A 1x1 convolution named "conv", a global mean and a dense head."""
    inputs = keras.Input((3, 3, 2))
    features = keras.layers.Conv2D(4, 1, name="conv")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    model = keras.Model(inputs, keras.layers.Dense(3, name="head")(pooled))
    model.set_weights([_RNG.normal(size=w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def _conv_map_kwargs():
    return {"model": _conv_model(), "x": _IMAGES, "layer_name": "conv",
            "target_class": _TARGETS}


def _conv_map_expected(reference_map):
    def expected(kwargs):
        conv_kernel, conv_bias, head_kernel, _ = kwargs["model"].get_weights()
        activations = _IMAGES @ conv_kernel[0, 0] + conv_bias
        return reference_map(activations, head_kernel, _TARGETS)

    return expected


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
    "kerastricks.utils.input_gradient_saliency": {
        "kind": "utility",
        "kwargs": lambda: {"model": _linear_model(), "x": _FEATURES[:, :3],
                           "target_class": 1},
        # The gradient of logit 1 of x W + b is W[:, 1] for every example.
        "expected": lambda kwargs: np.tile(
            kwargs["model"].get_weights()[0][:, 1], (4, 1)),
    },
    "kerastricks.utils.grad_cam": {
        "kind": "utility",
        "kwargs": _conv_map_kwargs,
        "expected": _conv_map_expected(
            robustness_reference.np_linear_head_grad_cam),
        "tolerance": (1e-6, 1e-5),  # float32 sums of 4 channels
    },
    "kerastricks.utils.norm_grad": {
        "kind": "utility",
        "kwargs": _conv_map_kwargs,
        "expected": _conv_map_expected(
            robustness_reference.np_linear_head_norm_grad),
        "tolerance": (1e-6, 1e-5),  # float32 norms of 4 channels
    },
    "kerastricks.utils.saliency_overlay": {
        "kind": "utility",
        "kwargs": {"image": np.zeros((4, 4), "float32"),
                   "saliency_map": np.arange(4.0).reshape(2, 2),
                   "alpha": 1.0, "colormap": "gray"},
        # alpha = 1: the map alone, scaled to [0, 1], in gray levels
        # (matplotlib's 256-entry gray map holds k / 3 exactly).
        "expected": np.repeat(np.kron(np.arange(4.0).reshape(2, 2) / 3.0,
                                      np.ones((2, 2)))[..., None], 3,
                              axis=-1),
    },
}

_ARRAY = ("skip", "array data: its shape is a call-time check, tested with "
          "the function")
_BAD_TARGETS = [2.5, "abc", -1, 7, True]
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
    ("input_gradient_saliency", "model"): "object",
    ("input_gradient_saliency", "x"): _ARRAY,
    ("input_gradient_saliency", "target_class"): _BAD_TARGETS,
    ("grad_cam", "model"): "object",
    ("grad_cam", "x"): _ARRAY,
    ("grad_cam", "layer_name"): [None, 3, "no_such_layer"],
    ("grad_cam", "target_class"): _BAD_TARGETS,
    ("norm_grad", "model"): "object",
    ("norm_grad", "x"): _ARRAY,
    ("norm_grad", "layer_name"): [None, 3, "no_such_layer"],
    ("norm_grad", "target_class"): _BAD_TARGETS,
    ("saliency_overlay", "image"): _ARRAY,
    ("saliency_overlay", "saliency_map"): _ARRAY,
    ("saliency_overlay", "path"): ("skip", "any path; the file system "
                                   "reports a bad one"),
    ("saliency_overlay", "alpha"): "fraction",
    ("saliency_overlay", "colormap"): ["no_such_colormap", None, 1],
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
