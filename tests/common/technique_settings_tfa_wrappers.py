"""Contract rows of the wrappers tensorflow-addons used to ship: Lookahead,
SWA and WeightNormalization (row format: see technique_settings.py)."""

import keras
import numpy as np

from tests.references import lookahead as lookahead_reference

_RNG = np.random.default_rng(0)

SETTINGS = {
    "kerastricks.callbacks.SWA": {
        "kind": "callback",
        # Averages from the first epoch so that the one-epoch contract fit
        # swaps in an average and recomputes BatchNormalization statistics.
        "init_kwargs": lambda data: {"start_epoch": 0,
                                     "bn_update_data": data,
                                     "batch_size": 4},
        "expected_log_keys": (),
    },
    "kerastricks.layers.WeightNormalization": {
        "kind": "layer",
        "init_kwargs": lambda: {
            "layer": keras.layers.Conv2D(4, 3, padding="same",
                                         activation="relu"),
        },
        "input_data": _RNG.normal(size=(2, 5, 5, 3)).astype("float32"),
        "expected_output_shape": (2, 5, 5, 4),
        "expected_num_trainable_weights": 3,  # kernel v, bias, scale g
        # the initialized flag and the data-dependent offsets of g and bias
        "expected_num_non_trainable_weights": 3,
        "expected_num_seed_generators": 0,
    },
    "kerastricks.optimizers.Lookahead": {
        "kind": "optimizer",
        # k = 3 so that the 10 reference steps cross three syncs; the base
        # options belong to the optimizer it wraps.
        "init_kwargs": lambda **base_options: {
            "optimizer": keras.optimizers.SGD(
                learning_rate=0.1, momentum=0.8, **base_options),
            "sync_period": 3, "slow_step_size": 0.5},
        "reference": lookahead_reference.lookahead(
            lookahead_reference.sgd(learning_rate=0.1, momentum=0.8),
            sync_period=3, slow_step_size=0.5),
    },
}
