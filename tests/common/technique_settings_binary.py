"""Contract rows of the binary layers and the ReSTE schedule (merged into
`technique_settings.SETTINGS`), with their fuzz ranges and bad calls."""

import numpy as np

import kerastricks

_RNG = np.random.default_rng(23)
_FEATURES = _RNG.normal(size=(4, 5)).astype("float32")
_IMAGES = _RNG.normal(size=(2, 6, 6, 3)).astype("float32")
_NAN, _INF = float("nan"), float("inf")
_KERAS = ("skip", "a base Keras argument that Keras itself checks")
_BAD_PAIRS = [None, "abc", 0, -1, 2.5, True, (), (_NAN, 1), (True, 1),
              (-1, 1), (1, 2, 3)]
_BAD_THRESHOLDS = [_NAN, _INF, -1.0, 0.0, True, "abc"]

SETTINGS = {
    "kerastricks.layers.BinaryDense": {
        "kind": "layer",
        "init_kwargs": {"units": 3, "estimator": "reste", "use_bias": True,
                        "root_degree": 2.0},
        "input_data": _FEATURES,
        "expected_output_shape": (4, 3),
        "expected_num_trainable_weights": 2,      # kernel, bias
        "expected_num_non_trainable_weights": 1,  # reste_root_degree
        "expected_num_seed_generators": 0,
    },
    "kerastricks.layers.BinaryConv2D": {
        "kind": "layer",
        "init_kwargs": {"filters": 4, "kernel_size": 3, "strides": 2,
                        "padding": "same", "estimator": "biper",
                        "kernel_scale": "learned"},
        "input_data": _IMAGES,
        "expected_output_shape": (2, 3, 3, 4),
        "expected_num_trainable_weights": 2,      # kernel, scale
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
    },
    "kerastricks.callbacks.ReSTESchedule": {
        "kind": "callback",
        "init_kwargs": lambda data: {"start": 1.0, "end": 3.0},
        "expected_log_keys": ("reste_root_degree",),
    },
}

_LAYER_RANGES = {
    "estimator": "choice",
    "activation_estimator": "optional_choice",
    "kernel_scale": "optional_choice",
    "threshold": _BAD_THRESHOLDS,
    "root_degree": "positive",
    "omega": "positive",
    "activation": _KERAS,
    "kernel_initializer": _KERAS,
    "bias_initializer": _KERAS,
    "kernel_regularizer": _KERAS,
    "bias_regularizer": _KERAS,
    "kernel_constraint": _KERAS,
}
FUZZ_RANGES = {
    **{("BinaryDense", name): value for name, value in _LAYER_RANGES.items()},
    **{("BinaryConv2D", name): value
       for name, value in _LAYER_RANGES.items()},
    ("BinaryDense", "units"): "count",
    ("BinaryConv2D", "filters"): "count",
    ("BinaryConv2D", "kernel_size"): _BAD_PAIRS,
    ("BinaryConv2D", "strides"): _BAD_PAIRS,
    ("BinaryConv2D", "dilation_rate"): _BAD_PAIRS,
    ("BinaryConv2D", "padding"): "choice",
    ("BinaryConv2D", "data_format"): "optional_choice",
    ("ReSTESchedule", "start"): "positive",
    ("ReSTESchedule", "end"): "positive",
    ("ReSTESchedule", "epochs"): "optional_count",
}


def _rank_error(owner, shape, ranks):
    return (ValueError, f"{owner} expects `inputs` of rank {ranks}. "
            f"Received: inputs of shape {shape} (rank {len(shape)})")


def _float_error(owner):
    return (TypeError, f"{owner} expects floating-point `inputs` (cast it, "
            "e.g. with keras.ops.cast(x, 'float32')). Received: inputs of "
            "dtype int32")


def _dense():
    return kerastricks.layers.BinaryDense(2)


def _conv():
    return kerastricks.layers.BinaryConv2D(2, 3)


INVALID_CALLS = {
    "BinaryDense": [
        (_dense, _FEATURES[0], ValueError,
         "BinaryDense expects `inputs` of rank >= 2 (batch, ..., "
         "features). Received: inputs of shape (5,)"),
        (_dense, np.float32(1.0), ValueError,
         "BinaryDense expects `inputs` of rank >= 2 (batch, ..., "
         "features). Received: inputs of shape ()"),
        (_dense, _FEATURES.astype("int32"), *_float_error("BinaryDense")),
    ],
    "BinaryConv2D": [
        (_conv, _IMAGES[0], *_rank_error("BinaryConv2D", (6, 6, 3), "4")),
        (_conv, _IMAGES[None],
         *_rank_error("BinaryConv2D", (1, 2, 6, 6, 3), "4")),
        (_conv, _IMAGES.astype("int32"), *_float_error("BinaryConv2D")),
    ],
}
