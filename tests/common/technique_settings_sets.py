"""Contract rows of the adapters, set and multi-layer pooling layers and
frame averaging (merged into `technique_settings.SETTINGS`), with their
fuzz ranges and invalid calls."""

import keras
import numpy as np

import kerastricks

_RNG = np.random.default_rng(23)
_IMAGES = _RNG.normal(size=(2, 6, 6, 3)).astype("float32")
_TOKENS = _RNG.normal(size=(2, 5, 4)).astype("float32")
_FEATURES = _RNG.normal(size=(6, 3)).astype("float32")
# Point clouds with well separated covariance eigenvalues (spreads 3, 2, 1).
_CLOUDS = (_RNG.normal(size=(2, 10, 3)) * [3.0, 2.0, 1.0]).astype("float32")


def _point_encoder(outputs=4, pool=True):
    layers = [keras.layers.Dense(6, activation="tanh"),
              keras.layers.Dense(outputs)]
    if pool:
        layers.append(keras.layers.GlobalMaxPooling1D())
    return keras.Sequential(layers)


def _flora_classifier():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),
                              keras.layers.Dense(2)])
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(size=w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def _flora_trainable_shapes(kwargs):
    # Dense(3 -> 4) and Dense(4 -> 2) at rank 2: a (2, 2) core and two
    # factors (n_i, 2) each; the base kernels and biases are frozen.
    return [(2, 2), (3, 2), (4, 2), (2, 2), (4, 2), (2, 2)]


SETTINGS = {
    "kerastricks.layers.FLoRA": {
        "kind": "layer",
        "init_kwargs": lambda: {
            "layer": keras.layers.Conv2D(4, 3, strides=2, padding="same",
                                         activation="relu"),
            "rank": (2, 2, 3, 2),
            "scale": 2.0,
        },
        "input_data": _IMAGES,
        "expected_output_shape": (2, 3, 3, 4),
        "expected_num_trainable_weights": 5,  # core + 4 factors
        "expected_num_non_trainable_weights": 2,  # frozen kernel, bias
        "expected_num_seed_generators": 0,
    },
    "kerastricks.layers.AttentionalSetPooling": {
        "kind": "layer",
        "init_kwargs": {},
        "input_data": _TOKENS,
        "expected_output_shape": (2, 4),
        "expected_num_trainable_weights": 1,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": True,
    },
    "kerastricks.layers.MultiLayerTrainablePooling": {
        "kind": "layer",
        "init_kwargs": {"num_latents": 3, "num_heads": 2, "key_dim": 2,
                        "feedforward_multiplier": 1},
        "input_data": _TOKENS,
        "expected_output_shape": (2, 4),
        # Layer embedding, latents, 3 LayerNorms (2 each), 4 attention
        # kernels, 2 feed-forward kernels and biases.
        "expected_num_trainable_weights": 16,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.FrameAveraging": {
        "kind": "layer",
        "init_kwargs": lambda: {"layer": _point_encoder(), "group": "O(d)"},
        "input_data": _CLOUDS,
        "expected_output_shape": (2, 4),
        "expected_num_trainable_weights": 4,  # the encoder's
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
    },
    "kerastricks.utils.enable_flora": {
        "kind": "utility",
        "kwargs": lambda: {"model": _flora_classifier(), "rank": 2},
        "expected": _flora_trainable_shapes,
        "observe": lambda model: [tuple(w.shape)
                                  for w in model.trainable_weights],
        "x": _FEATURES,
    },
}

FUZZ_RANGES = {
    ("FLoRA", "layer"): "object",
    ("FLoRA", "rank"): [float("nan"), 2.5, 0, -1, True, None, "abc", (),
                        (2, 2), (2, 2, 3, 0)],
    ("FLoRA", "scale"): "positive",
    ("AttentionalSetPooling", "kernel_initializer"): (
        "skip", "a Keras initializer, which Keras itself checks"),
    ("MultiLayerTrainablePooling", "num_latents"): "count",
    ("MultiLayerTrainablePooling", "num_heads"): "count",
    ("MultiLayerTrainablePooling", "key_dim"): "count",
    ("MultiLayerTrainablePooling", "feedforward_multiplier"): "count",
    ("MultiLayerTrainablePooling", "epsilon"): "positive",
    ("FrameAveraging", "layer"): "object",
    ("FrameAveraging", "mode"): "choice",
    ("FrameAveraging", "group"): "choice",
    ("enable_flora", "model"): "object",
    ("enable_flora", "rank"): "count",
    ("enable_flora", "scale"): "positive",
}


def _rank_error(owner, name, shape, ranks):
    return (ValueError, f"{owner} expects `{name}` of rank {ranks}. "
            f"Received: {name} of shape {shape} (rank {len(shape)})")


def _float_input(owner, name="inputs"):
    return (TypeError, f"{owner} expects floating-point `{name}` (cast it, "
            f"e.g. with keras.ops.cast(x, 'float32')). Received: {name} of "
            "dtype int32")


def _flora(wrapped):
    return lambda: kerastricks.layers.FLoRA(wrapped(), rank=2)


def _multi_layer_pooling():
    return kerastricks.layers.MultiLayerTrainablePooling(
        num_latents=2, num_heads=1, key_dim=2)


def _frame_averaging(**kwargs):
    return lambda: kerastricks.layers.FrameAveraging(_point_encoder(),
                                                     **kwargs)


INVALID_CALLS = {
    "FLoRA": [
        (_flora(lambda: keras.layers.Conv2D(2, 3)), _TOKENS,
         *_rank_error("FLoRA(Conv2D)", "inputs", (2, 5, 4), "4")),
        (_flora(lambda: keras.layers.Conv1D(2, 3)), _IMAGES,
         *_rank_error("FLoRA(Conv1D)", "inputs", (2, 6, 6, 3), "3")),
        (_flora(lambda: keras.layers.Dense(2)), _TOKENS[0, 0], ValueError,
         "FLoRA(Dense) expects `inputs` of rank >= 2 (batch, ..., "
         "features). Received: inputs of shape (4,)"),
        (_flora(lambda: keras.layers.Dense(2)), _TOKENS.astype("int32"),
         *_float_input("FLoRA(Dense)")),
    ],
    "AttentionalSetPooling": [
        (kerastricks.layers.AttentionalSetPooling, _TOKENS[0],
         *_rank_error("AttentionalSetPooling", "inputs", (5, 4), "3")),
        (kerastricks.layers.AttentionalSetPooling, _IMAGES,
         *_rank_error("AttentionalSetPooling", "inputs", (2, 6, 6, 3),
                      "3")),
        (kerastricks.layers.AttentionalSetPooling, _TOKENS.astype("int32"),
         *_float_input("AttentionalSetPooling")),
        (kerastricks.layers.AttentionalSetPooling,
         {"inputs": _TOKENS, "mask": np.ones((2, 4), bool)}, ValueError,
         "AttentionalSetPooling needs `mask` of shape (batch, set_size) = "
         "(2, 5). Received: mask of shape (2, 4)"),
    ],
    "MultiLayerTrainablePooling": [
        (_multi_layer_pooling, _TOKENS[0],
         *_rank_error("MultiLayerTrainablePooling", "inputs", (5, 4), "3")),
        (_multi_layer_pooling, _IMAGES,
         *_rank_error("MultiLayerTrainablePooling", "inputs", (2, 6, 6, 3),
                      "3")),
        (_multi_layer_pooling, _TOKENS.astype("int32"),
         *_float_input("MultiLayerTrainablePooling")),
    ],
    "FrameAveraging": [
        (_frame_averaging(), _CLOUDS[0],
         *_rank_error("FrameAveraging", "inputs", (10, 3), "3")),
        (_frame_averaging(), _IMAGES,
         *_rank_error("FrameAveraging", "inputs", (2, 6, 6, 3), "3")),
        (_frame_averaging(), _CLOUDS.astype("int32"),
         *_float_input("FrameAveraging")),
        (_frame_averaging(mode="equivariant"), _CLOUDS, ValueError,
         "FrameAveraging(mode='equivariant') needs an encoder whose outputs "
         "are vectors of the input's dimension (last axis 3). Received: "
         "encoder output of shape (2, 4)"),
    ],
}
