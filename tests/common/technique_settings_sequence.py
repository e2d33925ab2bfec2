"""Contract rows of the sequence layers (linear recurrences and
state-space models), merged into `technique_settings.SETTINGS`, with their
fuzz ranges and invalid calls."""

import numpy as np

import kerastricks

_RNG = np.random.default_rng(23)
_TOKENS = _RNG.normal(size=(2, 6, 3)).astype("float32")
_MASK = np.array([[True] * 6, [True] * 4 + [False] * 2])
_KERAS = ("skip", "a base Keras argument that Keras itself checks")


def _rank_error(owner, shape):
    return (ValueError, f"{owner} expects `inputs` of rank 3. Received: "
            f"inputs of shape {shape} (rank {len(shape)})")


def _float_error(owner):
    return (TypeError, f"{owner} expects floating-point `inputs` (cast it, "
            "e.g. with keras.ops.cast(x, 'float32')). Received: inputs of "
            "dtype int32")


SETTINGS = {
    "kerastricks.layers.GatedLinearRecurrence": {
        "kind": "layer",
        "init_kwargs": {"units": 4},
        # A positional array: the harness's masking check reads the first
        # positional input (masking itself is tested in the layer's test).
        "input_data": _TOKENS,
        "expected_output_shape": (2, 6, 4),
        "expected_num_trainable_weights": 4,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": True,
    },
    "kerastricks.layers.S4D": {
        "kind": "layer",
        "init_kwargs": {"state_size": 4, "initialization": "legs"},
        "input_data": _TOKENS,
        "expected_output_shape": (2, 6, 3),
        # log_step, log_a_real, a_imag, c_real, c_imag, skip
        "expected_num_trainable_weights": 6,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
}

FUZZ_RANGES = {
    ("GatedLinearRecurrence", "units"): "count",
    ("GatedLinearRecurrence", "kernel_initializer"): _KERAS,
    ("GatedLinearRecurrence", "bias_initializer"): _KERAS,
    ("S4D", "state_size"): "count",
    ("S4D", "initialization"): "choice",
    ("S4D", "min_step"): "positive",
    ("S4D", "max_step"): "positive",
}


def _recurrence():
    return kerastricks.layers.GatedLinearRecurrence(units=2)


def _s4d():
    return kerastricks.layers.S4D(state_size=4)


_GLR = "GatedLinearRecurrence"
INVALID_CALLS = {
    _GLR: [
        (_recurrence, _TOKENS[0], *_rank_error(_GLR, (6, 3))),
        (_recurrence, _TOKENS[None], *_rank_error(_GLR, (1, 2, 6, 3))),
        (_recurrence, _TOKENS.astype("int32"), *_float_error(_GLR)),
        (_recurrence, {"inputs": _TOKENS, "mask": _MASK[:, :5]}, ValueError,
         f"{_GLR} needs `mask` of shape (batch, time) = (2, 6). Received: "
         "mask of shape (2, 5)"),
    ],
    "S4D": [
        (_s4d, _TOKENS[0], *_rank_error("S4D", (6, 3))),
        (_s4d, _TOKENS[None], *_rank_error("S4D", (1, 2, 6, 3))),
        (_s4d, _TOKENS.astype("int32"), *_float_error("S4D")),
    ],
}
