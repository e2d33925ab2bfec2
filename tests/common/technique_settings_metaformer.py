"""Contract rows of the token mixers: MetaFormer / PoolFormer (the pooling
token mixer, the block, the `PoolFormer` builder and its PyTorch weight
conversion) and PoNet's pooling mixer (merged into
`technique_settings.SETTINGS`, with their fuzz ranges and invalid calls)."""

import keras
import numpy as np

import kerastricks
from tests.references import poolformer as reference

_RNG = np.random.default_rng(23)
_MAPS = _RNG.normal(size=(2, 6, 5, 4)).astype("float32")
_TOKENS = _RNG.normal(size=(2, 5, 4)).astype("float32")
# A two-stage PoolFormer for 8x8 images: stem 3x3 stride 2 -> 4x4, then
# one 3x3 stride-2 downsample -> 2x2.
_TINY = {"num_classes": 3, "input_shape": (8, 8, 3), "depths": (1, 1),
         "embed_dims": (4, 8), "mlp_ratios": (2, 2),
         "patch_embedding": (3, 2, 1)}
_IMAGES = _RNG.uniform(size=(4, 8, 8, 3)).astype("float32")
_STATE = reference.np_poolformer_state(
    (1, 1), (4, 8), 3, mlp_ratio=2, patch_embedding=(3, 2, 1))
# stem 3*3*3*4 + 4; downsample 3*3*4*8 + 8; a block of width d with MLP
# ratio 2: two norms and two LayerScales (6d) + fc1 (2d*d + 2d) + fc2
# (2d*d + d); head norm 2*8 and classifier 8*3 + 3.
_TINY_PARAMETERS = (112 + 296 + (6 * 4 + 32 + 8 + 32 + 4)
                    + (6 * 8 + 128 + 16 + 128 + 8) + 16 + 27)


def _tiny_model():
    return kerastricks.models.PoolFormer(**_TINY)


def _loaded_model():
    model = _tiny_model()
    kerastricks.utils.load_timm_poolformer_weights(model, _STATE)
    return model


SETTINGS = {
    "kerastricks.layers.PoolingTokenMixer": {
        "kind": "layer",
        "init_kwargs": {"pool_size": 3},
        "input_data": _MAPS,
        "expected_output_shape": (2, 6, 5, 4),
        "expected_num_trainable_weights": 0,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.MetaFormerBlock": {
        "kind": "layer",
        "init_kwargs": lambda: {
            "token_mixer": kerastricks.layers.PoolingTokenMixer(),
            "mlp_ratio": 2.0, "drop_path_rate": 0.5, "seed": 1,
            # Large enough that another seed visibly changes the output.
            "layer_scale_init_value": 0.5,
        },
        "input_data": _MAPS,
        "expected_output_shape": (2, 6, 5, 4),
        # two norms, two Dense layers and two LayerScales
        "expected_num_trainable_weights": 10,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 1,
        "supports_masking": False,
    },
    "kerastricks.layers.PoNetTokenMixer": {
        "kind": "layer",
        "init_kwargs": {"num_heads": 2, "num_segments": 3},
        "input_data": _RNG.normal(size=(2, 10, 4)).astype("float32"),
        "expected_output_shape": (2, 10, 4),
        "expected_num_trainable_weights": 10,  # five Dense projections
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": True,
    },
    "kerastricks.models.PoolFormer": {
        "kind": "utility",
        "kwargs": _TINY,
        "expected": _TINY_PARAMETERS,
        "observe": lambda model: model.count_params(),
        "x": _IMAGES,
    },
    "kerastricks.utils.load_timm_poolformer_weights": {
        "kind": "utility",
        "kwargs": lambda: {"model": _tiny_model(), "state_dict": _STATE},
        "expected": {"missing": [], "unexpected": []},
    },
    "kerastricks.utils.export_timm_poolformer_weights": {
        "kind": "utility",
        "kwargs": lambda: {"model": _loaded_model()},
        "expected": _STATE,
    },
}

_NAN, _INF = float("nan"), float("inf")
_RATE = [_NAN, _INF, -0.5, 1.0, True, None, "abc"]  # in [0, 1)
_SCALE = [_NAN, _INF, -1.0, 0.0, True, "abc"]  # > 0, None allowed
_SEED = [2.5, True, "abc"]  # an int or None
_SIZES = ["abc", 3, (), (0,), (True,), (2.5,)]  # None: the variant's
FUZZ_RANGES = {
    ("PoolingTokenMixer", "pool_size"): "count",
    ("PoolingTokenMixer", "data_format"): "choice",
    ("MetaFormerBlock", "token_mixer"): ["abc", 1],
    ("MetaFormerBlock", "mlp_ratio"): "positive",
    ("MetaFormerBlock", "layer_scale_init_value"): _SCALE,
    ("MetaFormerBlock", "drop_path_rate"): _RATE,
    ("MetaFormerBlock", "epsilon"): "positive",
    ("MetaFormerBlock", "seed"): _SEED,
    ("PoNetTokenMixer", "num_heads"): "count",
    ("PoNetTokenMixer", "num_segments"): "count",
    ("PoNetTokenMixer", "window"): [2, 0, -1, 2.5, True, None, "abc"],
    ("PoolFormer", "variant"): "choice",
    ("PoolFormer", "num_classes"): "count",
    ("PoolFormer", "input_shape"): [3, "abc", (8, 8), (0, 8, 3)],
    ("PoolFormer", "include_top"): "bool",
    ("PoolFormer", "depths"): _SIZES,
    ("PoolFormer", "embed_dims"): _SIZES,
    ("PoolFormer", "mlp_ratios"): ["abc", 3, (), (_NAN, 2), (0.0, 2)],
    ("PoolFormer", "layer_scale_init_value"): _SCALE,
    ("PoolFormer", "drop_path_rate"): _RATE,
    ("PoolFormer", "pool_size"): [2, 0, 2.5, True, None, "abc"],
    ("PoolFormer", "final_norm"): "choice",
    ("PoolFormer", "seed"): _SEED,
    ("PoolFormer", "name"): ("skip", "the model's name, checked by Keras"),
    ("load_timm_poolformer_weights", "model"): "object",
    ("load_timm_poolformer_weights", "state_dict"): ["abc", 1, None],
    ("load_timm_poolformer_weights", "strict"): "bool",
    ("export_timm_poolformer_weights", "model"): "object",
    ("export_timm_poolformer_weights", "layout"): "choice",
}


def _rank_error(owner, shape, ranks):
    return (ValueError, f"{owner} expects `inputs` of rank {ranks}. "
            f"Received: inputs of shape {shape} (rank {len(shape)})")


def _float_error(owner):
    return (TypeError, f"{owner} expects floating-point `inputs` (cast it, "
            "e.g. with keras.ops.cast(x, 'float32')). Received: inputs of "
            "dtype int32")


_MIXER = "PoolingTokenMixer"
_PONET = "PoNetTokenMixer"
_BLOCK = "MetaFormerBlock"
INVALID_CALLS = {
    _MIXER: [
        (kerastricks.layers.PoolingTokenMixer, _TOKENS,
         *_rank_error(_MIXER, (2, 5, 4), "4")),
        (kerastricks.layers.PoolingTokenMixer, _MAPS[None],
         *_rank_error(_MIXER, (1, 2, 6, 5, 4), "4")),
        (lambda: kerastricks.layers.PoolingTokenMixer(
            data_format="channels_first"), _TOKENS,
         *_rank_error(_MIXER, (2, 5, 4), "4")),
        (kerastricks.layers.PoolingTokenMixer, _MAPS.astype("int32"),
         *_float_error(_MIXER)),
    ],
    _BLOCK: [
        (kerastricks.layers.MetaFormerBlock, _TOKENS[0], ValueError,
         f"{_BLOCK} expects channels-last `inputs` of rank >= 3 with a "
         "known channel count, (batch, ..., channels). Received: inputs of "
         "shape (5, 4)"),
        (kerastricks.layers.MetaFormerBlock, _MAPS.astype("int32"),
         *_float_error(_BLOCK)),
        # The default pooling mixer needs feature maps, not tokens.
        (kerastricks.layers.MetaFormerBlock, _TOKENS,
         *_rank_error(_MIXER, (2, 5, 4), "4")),
        (lambda: kerastricks.layers.MetaFormerBlock(
            token_mixer=keras.layers.Dense(3)), _TOKENS, ValueError,
         f"{_BLOCK} needs a `token_mixer` that keeps the shape of its "
         "input. Received: Dense output of shape (2, 5, 3) for inputs of "
         "shape (2, 5, 4)"),
    ],
    _PONET: [
        (kerastricks.layers.PoNetTokenMixer, _MAPS,
         *_rank_error(_PONET, (2, 6, 5, 4), "3")),
        (kerastricks.layers.PoNetTokenMixer, _TOKENS[0],
         *_rank_error(_PONET, (5, 4), "3")),
        (lambda: kerastricks.layers.PoNetTokenMixer(num_heads=3), _TOKENS,
         ValueError,
         f"{_PONET} needs `inputs` of known length and a channel count "
         "divisible by `num_heads`. Received: inputs of shape (2, 5, 4), "
         "num_heads=3"),
        (kerastricks.layers.PoNetTokenMixer, _TOKENS.astype("int32"),
         *_float_error(_PONET)),
    ],
}
