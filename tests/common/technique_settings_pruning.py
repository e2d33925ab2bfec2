"""Contract rows, fuzz ranges and invalid calls of weight pruning
(`PrunedDense`, class-dependent iterative pruning, the three-regime map)
and of the linear-mode-connectivity probes (merged into
`technique_settings.SETTINGS`). Not to be confused with data pruning
(`DataPruningScores`), which drops training examples."""

import keras
import numpy as np

import kerastricks
from tests.references import weight_pruning as reference

NAN, INF = float("nan"), float("inf")
_RNG = np.random.default_rng(1909)
_FEATURES = _RNG.normal(size=(2, 4)).astype("float32")
_SCALARS = _RNG.normal(size=(10, 1)).astype("float32")
_ALPHAS = np.linspace(0.0, 1.0, 5)
# The scalar model x -> x * u * v fits y = x at (u, v) = (1, 1) and
# (-1, -1); the straight line between them passes (0, 0).
_PRODUCT_A = [np.ones((1, 1), "float32"), np.ones((1, 1), "float32")]
_PRODUCT_B = [-np.ones((1, 1), "float32"), -np.ones((1, 1), "float32")]


def _product_model():
    model = keras.Sequential([
        keras.Input((1,)), keras.layers.Dense(1, use_bias=False),
        keras.layers.Dense(1, use_bias=False)])
    model.compile(loss="mse")
    return model


def _pruning_kwargs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([
        keras.Input((4,)), kerastricks.layers.PrunedDense(6, "relu"),
        kerastricks.layers.PrunedDense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    return {"model": model, "x": x, "y": y, "validation_data": (x, y),
            "num_classes": 2, "rounds": 1, "epochs": 1, "batch_size": 16}


def _barrier_kwargs():
    return {"model": _product_model(), "weights_a": _PRODUCT_A,
            "weights_b": _PRODUCT_B, "data": (_SCALARS, _SCALARS),
            "num_points": 5}


def _regime_kwargs():
    return {"model": _product_model(),
            "weight_pairs": {(1, 0.5): (_PRODUCT_A, _PRODUCT_B),
                             (2, 0.5): (_PRODUCT_A, _PRODUCT_A)},
            "data": (_SCALARS, _SCALARS), "barrier_threshold": 0.1,
            "similarity_threshold": 0.9, "num_points": 5}


SETTINGS = {
    "kerastricks.layers.PrunedDense": {
        "kind": "layer",
        "init_kwargs": {"units": 3},
        "input_data": _FEATURES,
        "expected_output_shape": (2, 3),
        # kernel and bias; the mask is non-trainable.
        "expected_num_trainable_weights": 2,
        "expected_num_non_trainable_weights": 1,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.utils.class_aware_iterative_pruning": {
        "kind": "utility",
        "kwargs": _pruning_kwargs,
        # One round at rate 0.5 keeps half of each kernel: 24 -> 12, 12 -> 6.
        "expected": [0.0, 0.5, 12, 6],
        "observe": lambda result: result["sparsity"] + [
            int(mask.sum()) for mask in result["masks"][-1]],
    },
    "kerastricks.utils.interpolation_barrier": {
        "kind": "utility",
        "kwargs": _barrier_kwargs,
        "expected": reference.np_barrier(reference.np_product_model_losses(
            _SCALARS, 1.0, 1.0, -1.0, -1.0, _ALPHAS), _ALPHAS),
        "observe": lambda result: result["barrier"],
        # Losses evaluated in float32 against a float64 reference.
        "tolerance": (1e-5, 1e-5),
    },
    "kerastricks.utils.layerwise_interpolation_barrier": {
        "kind": "utility",
        "kwargs": _barrier_kwargs,
        # Moving one factor alone keeps the loss convex along the path.
        "expected": [0.0, 0.0],
        "observe": lambda result: [cell["barrier"]
                                   for cell in result.values()],
    },
    "kerastricks.utils.three_regime_pruning": {
        "kind": "utility",
        "kwargs": _regime_kwargs,
        "expected": {(1, 0.5): "I", (2, 0.5): "II-B"},
        "observe": lambda cells: {key: cell["regime"]
                                  for key, cell in cells.items()},
    },
}

_PLOT_PATHS = [1, True]
_MODEL_UTILITY = {"model": "object", "data": "object",
                  "batch_size": "optional_count"}
FUZZ_RANGES = {
    ("PrunedDense", "units"): "count",
    ("PrunedDense", "activation"): (
        "skip", "a base Keras argument that Keras itself checks"),
    ("PrunedDense", "kernel_initializer"): (
        "skip", "a base Keras argument that Keras itself checks"),
    ("PrunedDense", "bias_initializer"): (
        "skip", "a base Keras argument that Keras itself checks"),
    ("class_aware_iterative_pruning", "model"): "object",
    ("class_aware_iterative_pruning", "x"): (
        "skip", "array data: its length is checked against y"),
    ("class_aware_iterative_pruning", "y"): (
        "skip", "array data: its length and dtype are checked"),
    ("class_aware_iterative_pruning", "validation_data"): "object",
    ("class_aware_iterative_pruning", "num_classes"): "count",
    ("class_aware_iterative_pruning", "rounds"): "count",
    ("class_aware_iterative_pruning", "rate"): [
        NAN, INF, 0.0, 1.0, -0.5, True, None, "abc"],
    ("class_aware_iterative_pruning", "epochs"): "count",
    ("class_aware_iterative_pruning", "false_negative_tolerance"): (
        "non_negative"),
    ("class_aware_iterative_pruning", "criterion"): "choice",
    ("class_aware_iterative_pruning", "max_class_weight"): [
        NAN, INF, 0.5, True, None, "abc"],
    ("class_aware_iterative_pruning", "batch_size"): "count",
    ("class_aware_iterative_pruning", "final_round"): "choice",
    **{("interpolation_barrier", name): value
       for name, value in _MODEL_UTILITY.items()},
    ("interpolation_barrier", "weights_a"): "object",
    ("interpolation_barrier", "weights_b"): "object",
    ("interpolation_barrier", "num_points"): [NAN, 2.5, 1, 0, True, "abc"],
    ("interpolation_barrier", "plot_path"): _PLOT_PATHS,
    **{("layerwise_interpolation_barrier", name): value
       for name, value in _MODEL_UTILITY.items()},
    ("layerwise_interpolation_barrier", "weights_a"): "object",
    ("layerwise_interpolation_barrier", "weights_b"): "object",
    ("layerwise_interpolation_barrier", "num_points"): [
        NAN, 2.5, 1, 0, True, "abc"],
    ("layerwise_interpolation_barrier", "plot_path"): _PLOT_PATHS,
    **{("three_regime_pruning", name): value
       for name, value in _MODEL_UTILITY.items()},
    ("three_regime_pruning", "weight_pairs"): "object",
    ("three_regime_pruning", "barrier_threshold"): "real",
    ("three_regime_pruning", "similarity_threshold"): "fraction",
    ("three_regime_pruning", "num_points"): [NAN, 2.5, 1, 0, True, "abc"],
}


def _built_dense():
    layer = kerastricks.layers.PrunedDense(3)
    layer.build((None, 4))
    return layer


INVALID_CALLS = {
    "PrunedDense": [
        (lambda: kerastricks.layers.PrunedDense(3), _FEATURES[0],
         ValueError,
         "PrunedDense expects `inputs` of rank >= 2 (a batch axis and the "
         "features last). Received: inputs of shape (4,) (rank 1)"),
        (lambda: kerastricks.layers.PrunedDense(3),
         _FEATURES.astype("int32"), TypeError,
         "PrunedDense expects floating-point `inputs` (cast it, e.g. with "
         "keras.ops.cast(x, 'float32')). Received: inputs of dtype int32"),
        (_built_dense, _RNG.normal(size=(2, 5)).astype("float32"),
         ValueError,
         "PrunedDense was built for inputs with 4 features (last axis). "
         "Received: inputs of shape (2, 5)"),
    ],
}
