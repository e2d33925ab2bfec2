"""Contract entry for TrAct (issue 3)."""

import keras
import numpy as np

import kerastricks
from tests.common.technique_settings import layer

SETTINGS = {
    "kerastricks.layers.TrAct": layer(
        lambda: kerastricks.layers.TrAct(
            keras.layers.Conv2D(4, 3, strides=2, padding="same",
                                activation="relu"),
            lambda_=0.1),
        np.random.default_rng(0).normal(size=(2, 6, 6, 3)).astype(
            "float32"),
    ),
}
