"""Contract rows, fuzz ranges and invalid calls of the vision layers built
on wavelets, moments and symmetry: the Haar DWT pair, the WaveMix block
and classifier, the Moment Probing head and rotation-view pooling (merged
into `technique_settings.SETTINGS`)."""

import keras
import numpy as np

import kerastricks

_RNG = np.random.default_rng(23)
_IMAGES = _RNG.normal(size=(2, 4, 6, 3)).astype("float32")
_BANDS = _RNG.normal(size=(2, 2, 3, 8)).astype("float32")
_FEATURES = _RNG.normal(size=(2, 4, 4, 8)).astype("float32")
_SMALL_IMAGES = _RNG.normal(size=(4, 8, 8, 3)).astype("float32")
_TOKENS = _RNG.normal(size=(2, 5, 8)).astype("float32")
_SQUARE_IMAGES = _RNG.normal(size=(2, 4, 4, 3)).astype("float32")


def _wavemix_parameters(kwargs):
    """Stem, one block and the classifier of the row's WaveMix, counted
    by hand (channels C = 8, 3 input channels, 3 classes)."""
    c = kwargs["channels"]
    stem = (9 * 3 * c // 2 + c // 2) + (9 * c // 2 * c + c)
    block = ((c * c // 4 + c // 4) + (c * 2 * c + 2 * c)
             + (2 * c * c + c) + (16 * c * c + c) + 4 * c)
    return stem + block + (c * 3 + 3)


SETTINGS = {
    "kerastricks.layers.HaarDWT2D": {
        "kind": "layer",
        "init_kwargs": {},
        "input_data": _IMAGES,
        "expected_output_shape": (2, 2, 3, 12),
        "expected_num_trainable_weights": 0,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.InverseHaarDWT2D": {
        "kind": "layer",
        "init_kwargs": {},
        "input_data": _BANDS,
        "expected_output_shape": (2, 4, 6, 2),
        "expected_num_trainable_weights": 0,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.WaveMixBlock": {
        "kind": "layer",
        "init_kwargs": {"dropout": 0.25, "seed": 1},
        "input_data": _FEATURES,
        "expected_output_shape": (2, 4, 4, 8),
        # Four convolutions' kernels and biases, BatchNorm's gamma and beta.
        "expected_num_trainable_weights": 10,
        "expected_num_non_trainable_weights": 2,  # moving mean, variance
        "expected_num_seed_generators": 1,
        "supports_masking": False,
    },
    "kerastricks.layers.MomentProbingHead": {
        "kind": "layer",
        # Two heads of 8 channels: one 8x8 cross-covariance map, 3x3 then
        # 1x1 after the two stride-2 convolutions.
        "init_kwargs": {"num_classes": 3, "hidden_dim": 16, "num_heads": 2},
        "input_data": _TOKENS,
        "expected_output_shape": (2, 3),
        # Two classifiers and the projection (kernel, bias), the norm's
        # scale, two bias-free convolutions.
        "expected_num_trainable_weights": 9,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.RotationViewPooling": {
        "kind": "layer",
        "init_kwargs": lambda: {"layer": keras.layers.Conv2D(
            2, 3, padding="same")},
        "input_data": _SQUARE_IMAGES,
        "expected_output_shape": (2, 4, 4, 2),
        "expected_num_trainable_weights": 2,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.models.WaveMix": {
        "kind": "utility",
        "kwargs": {"num_classes": 3, "input_shape": (8, 8, 3), "depth": 1,
                   "channels": 8, "seed": 0},
        "expected": _wavemix_parameters,
        "observe": lambda model: model.count_params(),
        "x": _SMALL_IMAGES,
    },
}

FUZZ_RANGES = {
    ("HaarDWT2D", "data_format"): "choice",
    ("InverseHaarDWT2D", "data_format"): "choice",
    ("WaveMixBlock", "mlp_ratio"): "count",
    ("WaveMixBlock", "ff_channels"): "optional_count",
    ("WaveMixBlock", "dropout"): "fraction",
    ("WaveMixBlock", "data_format"): "choice",
    ("WaveMixBlock", "seed"): ("skip", "Keras's SeedGenerator checks it"),
    ("MomentProbingHead", "num_classes"): "count",
    ("MomentProbingHead", "hidden_dim"): "count",
    # 1 is an int but pairs no heads.
    ("MomentProbingHead", "num_heads"): [float("nan"), 2.5, 0, 1, True,
                                         None, "abc"],
    ("MomentProbingHead", "first_order"): "choice",
    ("RotationViewPooling", "layer"): "object",
    ("RotationViewPooling", "data_format"): "choice",
    ("WaveMix", "num_classes"): "count",
    ("WaveMix", "input_shape"): "int_sequence",
    ("WaveMix", "depth"): "count",
    ("WaveMix", "channels"): "count",
    ("WaveMix", "mlp_ratio"): "count",
    ("WaveMix", "ff_channels"): "optional_count",
    ("WaveMix", "dropout"): "fraction",
    ("WaveMix", "stem"): "choice",
    ("WaveMix", "stem_strides"): "count",
    ("WaveMix", "patch_size"): "count",
    ("WaveMix", "classifier_activation"): [1, True, "abc"],
    ("WaveMix", "data_format"): "choice",
    ("WaveMix", "seed"): ["abc", 1.5, True],
}


def _rank_error(owner, shape, ranks="4"):
    return (ValueError, f"{owner} expects `inputs` of rank {ranks}. "
            f"Received: inputs of shape {shape} (rank {len(shape)})")


def _float_error(owner):
    return (TypeError, f"{owner} expects floating-point `inputs` (cast it, "
            "e.g. with keras.ops.cast(x, 'float32')). Received: inputs of "
            "dtype int32")


def _odd_error(owner, shape, data_format="channels_last"):
    return (ValueError, f"{owner} needs an even height and width of "
            "`inputs` (the Haar DWT halves both; pad or crop the input "
            f"first). Received: inputs of shape {shape} ({data_format})")


def _channels_error(owner, shape, why):
    return (ValueError, f"{owner} needs a known channel count of `inputs` "
            f"divisible by 4 ({why}). Received: inputs of shape {shape} "
            f"(channels={shape[-1]})")


def _invalid_calls():
    layers = kerastricks.layers
    odd = _IMAGES[:, :3]
    odd_width = np.transpose(_IMAGES[:, :, :5], (0, 3, 1, 2))
    bands = "the LL, LH, HL and HH subbands"

    def view_pooling():
        return layers.RotationViewPooling(keras.layers.Conv2D(2, 3))

    def probing_head():
        return layers.MomentProbingHead(num_classes=3, hidden_dim=16,
                                        num_heads=2)

    return {
        "HaarDWT2D": [
            (layers.HaarDWT2D, _IMAGES[0], *_rank_error("HaarDWT2D",
                                                        (4, 6, 3))),
            (layers.HaarDWT2D, odd, *_odd_error("HaarDWT2D", odd.shape)),
            (lambda: layers.HaarDWT2D(data_format="channels_first"),
             odd_width, *_odd_error("HaarDWT2D", odd_width.shape,
                                    "channels_first")),
            (layers.HaarDWT2D, _IMAGES.astype("int32"),
             *_float_error("HaarDWT2D")),
        ],
        "InverseHaarDWT2D": [
            (layers.InverseHaarDWT2D, _BANDS[None],
             *_rank_error("InverseHaarDWT2D", (1, 2, 2, 3, 8))),
            (layers.InverseHaarDWT2D, _BANDS[..., :6],
             *_channels_error("InverseHaarDWT2D", (2, 2, 3, 6), bands)),
            (layers.InverseHaarDWT2D, _BANDS.astype("int32"),
             *_float_error("InverseHaarDWT2D")),
        ],
        "WaveMixBlock": [
            (layers.WaveMixBlock, _FEATURES[0],
             *_rank_error("WaveMixBlock", (4, 4, 8))),
            (layers.WaveMixBlock, _FEATURES[:, :3],
             *_odd_error("WaveMixBlock", (2, 3, 4, 8))),
            (layers.WaveMixBlock, _FEATURES[..., :6],
             *_channels_error("WaveMixBlock", (2, 4, 4, 6),
                              "it is reduced to a quarter before the "
                              "DWT")),
            (layers.WaveMixBlock, _FEATURES.astype("int32"),
             *_float_error("WaveMixBlock")),
        ],
        "MomentProbingHead": [
            (probing_head, _TOKENS[0],
             *_rank_error("MomentProbingHead", (5, 8), "3 or 4")),
            (probing_head, _TOKENS[None, None],
             *_rank_error("MomentProbingHead", (1, 1, 2, 5, 8), "3 or 4")),
            (probing_head, _TOKENS.astype("int32"),
             *_float_error("MomentProbingHead")),
        ],
        "RotationViewPooling": [
            (view_pooling, _SQUARE_IMAGES[0],
             *_rank_error("RotationViewPooling", (4, 4, 3))),
            (view_pooling, _IMAGES, ValueError,
             "RotationViewPooling needs square images of known size (a "
             "90-degree rotation must keep the shape). Received: inputs of "
             "shape (2, 4, 6, 3) (channels_last)"),
            (view_pooling, _SQUARE_IMAGES.astype("int32"),
             *_float_error("RotationViewPooling")),
        ],
    }


INVALID_CALLS = _invalid_calls()
