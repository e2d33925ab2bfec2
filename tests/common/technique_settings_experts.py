"""Contract rows of the mixture-of-experts and skip-connection layers
(row format: see technique_settings.py), with their fuzz ranges and
invalid calls."""

import numpy as np

import kerastricks

_RNG = np.random.default_rng(23)
_TOKENS = _RNG.normal(size=(2, 6, 4)).astype("float32")
_FEATURE_MAP = _RNG.normal(size=(2, 4, 4, 3)).astype("float32")
_IMAGES = _RNG.normal(size=(2, 8, 8, 3)).astype("float32")
_SKIP = ("skip", "a base Keras argument that Keras itself checks")
_NAN, _INF = float("nan"), float("inf")
_KAPPA = [_NAN, _INF, 0.0, -0.5, 1.5, True, None, "abc"]  # in (0, 1]


def _rank_error(owner, name, shape, ranks):
    return (ValueError, f"{owner} expects `{name}` of rank {ranks}. "
            f"Received: {name} of shape {shape} (rank {len(shape)})")


def _float_error(owner, name="inputs"):
    return (TypeError, f"{owner} expects floating-point `{name}` (cast it, "
            f"e.g. with keras.ops.cast(x, 'float32')). Received: {name} of "
            "dtype int32")


def _moe():
    return kerastricks.layers.SparseMoE(num_experts=3, expert_units=4)


def _parallel_block():
    return kerastricks.layers.ParallelShallowBlock(num_branches=2)


def _learnable_skip():
    return kerastricks.layers.ScaledLongSkip(scaling="learnable")


SETTINGS = {
    "kerastricks.layers.SparseMoE": {
        "kind": "layer",
        # Noisy gating on, so the seeded-randomness check runs; the
        # capacity (ceil(1.0 * 6 * 2 / 3) = 4 of 6 tokens) can drop tokens.
        "init_kwargs": {"num_experts": 3, "expert_units": 5, "top_k": 2,
                        "capacity_factor": 1.0, "noisy_gating": True,
                        "seed": 1},
        "input_data": _TOKENS,
        "expected_output_shape": (2, 6, 4),
        # router, noise, and the experts' two kernels and two biases
        "expected_num_trainable_weights": 6,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 1,
        "supports_masking": False,
    },
    "kerastricks.layers.ScaledLongSkip": {
        "kind": "layer",
        # The learnable scaling: 16 positions, reduction 4, 4 hidden units.
        "init_kwargs": {"skip_index": 1, "scaling": "learnable",
                        "reduction": 4},
        "input_data": _FEATURE_MAP,
        "expected_output_shape": (2, 4, 4, 3),
        "expected_num_trainable_weights": 4,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.ParallelShallowBlock": {
        "kind": "layer",
        "init_kwargs": {"num_branches": 3},
        "input_data": _FEATURE_MAP,
        "expected_output_shape": (2, 4, 4, 3),
        "expected_num_trainable_weights": 2,  # the branches' kernel, bias
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.models.ScaleLongUNet": {
        "kind": "utility",
        "kwargs": {"input_shape": (8, 8, 3), "filters": (4, 8),
                   "scaling": "constant", "kappa": 0.5},
        # skip 0 is kept as is, skip 1 halved
        "expected": [(0, 1.0), (1, 0.5)],
        "observe": lambda model: sorted(
            (layer.skip_index, layer.kappa**layer.skip_index)
            for layer in model.layers
            if isinstance(layer, kerastricks.layers.ScaledLongSkip)),
        "x": _IMAGES,
    },
}

FUZZ_RANGES = {
    ("SparseMoE", "num_experts"): "count",
    ("SparseMoE", "expert_units"): "count",
    ("SparseMoE", "top_k"): [_NAN, 2.5, 0, -1, 4, True, None, "abc"],
    ("SparseMoE", "capacity_factor"): "positive",
    ("SparseMoE", "load_balance_coefficient"): "non_negative",
    ("SparseMoE", "noisy_gating"): "bool",
    ("SparseMoE", "output_units"): "optional_count",
    ("SparseMoE", "activation"): _SKIP,
    ("SparseMoE", "kernel_initializer"): _SKIP,
    ("SparseMoE", "seed"): _SKIP,
    ("ScaledLongSkip", "skip_index"): "index",
    ("ScaledLongSkip", "scaling"): "choice",
    ("ScaledLongSkip", "kappa"): _KAPPA,
    ("ScaledLongSkip", "reduction"): "count",
    ("ParallelShallowBlock", "num_branches"): "count",
    ("ParallelShallowBlock", "kernel_size"): "count",
    ("ParallelShallowBlock", "activation"): _SKIP,
    ("ParallelShallowBlock", "kernel_initializer"): _SKIP,
    ("ScaleLongUNet", "scaling"): "choice",
    ("ScaleLongUNet", "kappa"): _KAPPA,
    ("ScaleLongUNet", "reduction"): "count",
    ("ScaleLongUNet", "merge"): "choice",
    ("ScaleLongUNet", "output_channels"): "optional_count",
    ("ScaleLongUNet", "name"): [1, True, None],
}

INVALID_CALLS = {
    "SparseMoE": [
        (_moe, _TOKENS[0, 0], *_rank_error("SparseMoE", "inputs", (4,),
                                           "2 or 3")),
        (_moe, _TOKENS[None], *_rank_error("SparseMoE", "inputs",
                                           (1, 2, 6, 4), "2 or 3")),
        (_moe, _TOKENS.astype("int32"), *_float_error("SparseMoE")),
    ],
    "ScaledLongSkip": [
        (kerastricks.layers.ScaledLongSkip, _TOKENS[0], ValueError,
         "ScaledLongSkip expects `inputs` of rank >= 3 (batch, "
         "positions..., channels). Received: inputs of shape (6, 4) "
         "(rank 2)"),
        (_learnable_skip, _TOKENS[0, 0], ValueError,
         "ScaledLongSkip expects `inputs` of rank >= 3 (batch, "
         "positions..., channels). Received: inputs of shape (4,) "
         "(rank 1)"),
        (kerastricks.layers.ScaledLongSkip, _FEATURE_MAP.astype("int32"),
         *_float_error("ScaledLongSkip")),
        (_learnable_skip, _FEATURE_MAP.astype("int32"),
         *_float_error("ScaledLongSkip")),
    ],
    "ParallelShallowBlock": [
        (_parallel_block, _TOKENS, *_rank_error("ParallelShallowBlock",
                                                "inputs", (2, 6, 4), "4")),
        (_parallel_block, _FEATURE_MAP[None], *_rank_error(
            "ParallelShallowBlock", "inputs", (1, 2, 4, 4, 3), "4")),
        (_parallel_block, _FEATURE_MAP.astype("int32"),
         *_float_error("ParallelShallowBlock")),
    ],
}
