"""Contract rows, fuzz ranges and invalid calls of µP (the maximal update
parametrization): `MuReadout`, `MuMultiHeadAttention`, `MuOptimizer` and
the utilities that mark variables, give their learning-rate multipliers
and run the coordinate check (merged into `technique_settings.SETTINGS`)."""

import keras
import numpy as np

import kerastricks
from tests.references import mup as mup_reference

_RNG = np.random.default_rng(2203)
_FEATURES = _RNG.normal(size=(4, 8)).astype("float32")
_TOKENS = _RNG.normal(size=(2, 3, 8)).astype("float32")
_X = _RNG.normal(size=(8, 3)).astype("float32")
_Y = _RNG.normal(size=(8, 2)).astype("float32")
# The optimizer test's variables are named v0 and v1 (shapes (3,), (2, 4)).
_MULTIPLIERS = {"v0": 0.5, "v1": 2.0}


def _mlp(width):
    return keras.Sequential([
        keras.Input((3,)), keras.layers.Dense(width, name="hidden_in"),
        keras.layers.Dense(width, name="hidden"),
        kerastricks.layers.MuReadout(2, base_input_dim=4, name="readout")])


def _two_widths():
    return {"model": _mlp(16), "base_model": _mlp(4)}


def _build_for_check(width):
    model = _mlp(width)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    return model


SETTINGS = {
    "kerastricks.layers.MuReadout": {
        "kind": "layer",
        "init_kwargs": {"units": 3, "base_input_dim": 4},
        "input_data": _FEATURES,
        "expected_output_shape": (4, 3),
        "expected_num_trainable_weights": 2,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.MuMultiHeadAttention": {
        "kind": "layer",
        "init_kwargs": {"num_heads": 2, "key_dim": 4, "base_key_dim": 2},
        "input_data": {"query": _TOKENS, "value": _TOKENS},
        "expected_output_shape": (2, 3, 8),
        # query, key, value and output kernels and biases.
        "expected_num_trainable_weights": 8,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        # Keras's attention masks (query, value): the harness's mask check
        # takes a positional input, and these inputs pass by keyword.
        "supports_masking": None,
    },
    "kerastricks.optimizers.MuOptimizer": {
        "kind": "optimizer",
        # The wrapped optimizer owns the learning rate and base options.
        "init_kwargs": lambda **base_options: {
            "optimizer": keras.optimizers.SGD(
                learning_rate=0.1, momentum=0.8, **base_options),
            "learning_rate_multipliers": _MULTIPLIERS},
        "reference": mup_reference.mu_sgd(
            learning_rate=0.1, momentum=0.8, multipliers=[0.5, 2.0]),
    },
    "kerastricks.utils.mup_variable_roles": {
        "kind": "utility",
        "kwargs": _two_widths,
        # kernel (3, 16) / bias (16,), kernel (16, 16) / bias (16,),
        # readout kernel (16, 2) / bias (2,) at base width 4.
        "expected": ["input", "input", "hidden", "input", "output",
                     "finite"],
        "observe": lambda roles: [role for role, _, _ in roles.values()],
    },
    "kerastricks.utils.mup_learning_rate_multipliers": {
        "kind": "utility",
        "kwargs": lambda: {**_two_widths(), "update_rule": "sgd"},
        # SGD: vectors and input weights x4, hidden x1, readout x4.
        "expected": [4.0, 4.0, 1.0, 4.0, 4.0, 1.0],
        "observe": lambda multipliers: list(multipliers.values()),
    },
    "kerastricks.utils.coordinate_check": {
        "kind": "utility",
        "kwargs": {"build_model": _build_for_check, "widths": [4, 8],
                   "x": _X, "y": _Y, "steps": 1},
        "expected": ["hidden", "hidden_in", "readout"],
        "observe": lambda changes: sorted(changes),
    },
}

FUZZ_RANGES = {
    ("MuReadout", "units"): "count",
    ("MuReadout", "base_input_dim"): "count",
    ("MuReadout", "output_multiplier"): "positive",
    ("MuReadout", "use_bias"): "bool",
    ("MuReadout", "kernel_initializer"): (
        "skip", "a Keras initializer that Keras itself checks"),
    ("MuMultiHeadAttention", "num_heads"): (
        "skip", "a base Keras argument that Keras itself checks"),
    ("MuMultiHeadAttention", "key_dim"): "count",
    ("MuMultiHeadAttention", "base_key_dim"): "count",
    ("MuOptimizer", "optimizer"): "object",
    ("MuOptimizer", "learning_rate_multipliers"): [
        None, "abc", 1, {"v0": 0.0}, {"v0": -1.0}, {"v0": True},
        {1: 1.0}],
    ("mup_variable_roles", "model"): "object",
    ("mup_variable_roles", "base_model"): "object",
    ("mup_learning_rate_multipliers", "model"): "object",
    ("mup_learning_rate_multipliers", "base_model"): "object",
    ("mup_learning_rate_multipliers", "update_rule"): "choice",
    ("coordinate_check", "build_model"): "object",
    ("coordinate_check", "widths"): [None, "abc", 3, [], [8], [8, 0],
                                     [8, 2.5], [8, True]],
    ("coordinate_check", "x"): ("skip", "array data, passed to the model"),
    ("coordinate_check", "y"): ("skip", "array data, passed to the model"),
    ("coordinate_check", "steps"): "count",
    ("coordinate_check", "path"): [1, True],
}


def _float_message(name, dtype):
    return (f"MuMultiHeadAttention expects floating-point `{name}` (cast "
            "it, e.g. with keras.ops.cast(x, 'float32')). Received: "
            f"{name} of dtype {dtype}")


def _invalid_calls():
    def readout():
        return kerastricks.layers.MuReadout(3, base_input_dim=4)

    def attention():
        return kerastricks.layers.MuMultiHeadAttention(
            num_heads=2, key_dim=4, base_key_dim=2)

    return {
        "MuReadout": [
            (readout, _FEATURES.astype("int32"), TypeError,
             "MuReadout expects floating-point `inputs` (cast it, e.g. "
             "with keras.ops.cast(x, 'float32')). Received: inputs of "
             "dtype int32"),
            (readout, _FEATURES.astype("bool"), TypeError,
             "MuReadout expects floating-point `inputs` (cast it, e.g. "
             "with keras.ops.cast(x, 'float32')). Received: inputs of "
             "dtype bool"),
            (readout, np.float32(1.0), ValueError,
             "MuReadout expects `inputs` with a known feature (last) axis, "
             "(..., input_dim). Received: inputs of shape ()"),
        ],
        "MuMultiHeadAttention": [
            (attention, {"query": _TOKENS.astype("int32"), "value": _TOKENS},
             TypeError, _float_message("query", "int32")),
            (attention, {"query": _TOKENS, "value": _TOKENS.astype("int32")},
             TypeError, _float_message("value", "int32")),
            (attention, {"query": _TOKENS, "value": _TOKENS,
                         "key": _TOKENS.astype("bool")},
             TypeError, _float_message("key", "bool")),
        ],
    }


INVALID_CALLS = _invalid_calls()
