"""A tiny `recipes.Recipe` for the runner, tuning and CLI tests.

A two-layer MLP with BatchNorm and Dropout (so a checkpoint must carry
moving statistics and random state) on Gaussian blobs: one epoch takes
milliseconds on every backend.
"""

import keras

from kerastricks.recipes.presets import register_presets
from kerastricks.recipes.recipe import Recipe
from kerastricks.testing import problems


class TinyBlobsRecipe(Recipe):
    name = "tiny_blobs"
    default_epochs = 3
    default_batch_size = 8

    def declare_hyperparameters(self, hp):
        return {
            "units": hp.Int("units", 4, 16, step=4, default=8),
            "learning_rate": hp.Float("learning_rate", 1e-3, 1e-1,
                                      sampling="log", default=1e-2),
        }

    def build_model(self, values):
        model = keras.Sequential([
            keras.Input((4,)),
            keras.layers.Dense(values["units"], use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(3),
        ])
        model.compile(
            optimizer=keras.optimizers.Adam(values["learning_rate"]),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        return model

    def default_data(self, seed):
        x, y = problems.blobs(num_examples=60, seed=seed)
        return {"train": (x[:40], y[:40]), "validation": (x[40:], y[40:])}

    def summarize(self, history):
        return {"val_accuracy": history.history["val_accuracy"][-1]}


register_presets(
    {
        "small": {"description": "4 hidden units",
                  "hyperparameters": {"units": 4}},
        "wide": {"description": "16 hidden units",
                 "hyperparameters": {"units": 16}},
    },
    TinyBlobsRecipe,
)
