"""Contract row, fuzz ranges and invalid calls of MP+'s partially shared
recalibration (`PartiallySharedRecalibration`), the layer that goes inside
the blocks of a backbone under a `MomentProbingHead` (merged into
`technique_settings.SETTINGS`)."""

import numpy as np

import kerastricks

_RNG = np.random.default_rng(2307)
_TOKENS = _RNG.normal(size=(2, 5, 8)).astype("float32")
_BRANCH = _RNG.normal(size=(2, 5, 8)).astype("float32")

SETTINGS = {
    "kerastricks.layers.PartiallySharedRecalibration": {
        "kind": "layer",
        "init_kwargs": {"bottleneck_dim": 4},
        "input_data": {"inputs": _TOKENS, "features": _BRANCH},
        "expected_output_shape": (2, 5, 8),
        # The shared down-projection and the scale and shift
        # up-projections, all bias-free.
        "expected_num_trainable_weights": 3,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
}

FUZZ_RANGES = {
    ("PartiallySharedRecalibration", "bottleneck_dim"): "count",
    ("PartiallySharedRecalibration", "kernel_initializer"): (
        "skip", "a Keras initializer that Keras itself checks"),
}


def _invalid_calls():
    def make():
        return kerastricks.layers.PartiallySharedRecalibration(4)

    owner = "PartiallySharedRecalibration"
    flat = _TOKENS[0, 0]
    return {
        "PartiallySharedRecalibration": [
            (make, {"inputs": flat, "features": flat}, ValueError,
             f"{owner} expects `inputs` of rank >= 2 (a batch axis and the "
             "channels last). Received: inputs of shape (8,) (rank 1)"),
            (make, {"inputs": _TOKENS, "features": _BRANCH[..., :6]},
             ValueError,
             f"{owner} needs `features` of the shape of `inputs`. "
             "Received: inputs of shape (2, 5, 8) and features of shape "
             "(2, 5, 6)"),
            (make, {"inputs": _TOKENS, "features": _BRANCH[:, 0]},
             ValueError,
             f"{owner} needs `features` of the shape of `inputs`. "
             "Received: inputs of shape (2, 5, 8) and features of shape "
             "(2, 8)"),
            (make, {"inputs": _TOKENS.astype("int32"), "features": _BRANCH},
             TypeError,
             f"{owner} expects floating-point `inputs` (cast it, e.g. with "
             "keras.ops.cast(x, 'float32')). Received: inputs of dtype "
             "int32"),
        ],
    }


INVALID_CALLS = _invalid_calls()
