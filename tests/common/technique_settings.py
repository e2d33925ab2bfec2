"""How the contract test exercises each public object.

Every export needs an entry here (the contract test fails otherwise). An
entry is a callable `check(test_case)` built by one of the helpers below, so
a new technique adds one line.
"""

import os

import keras
import numpy as np

import kerastricks
from kerastricks.testing import problems


def optimizer(make):
    """One fit step, `.keras` round trip, same optimizer state and outputs."""

    def check(test):
        test.run_serialization_test(make())
        x, y = problems.blobs(num_examples=8)
        model = problems.mlp(outputs=3, normalization=True)
        model.compile(
            optimizer=make(),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile="auto",
        )
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        loaded = test.run_saving_test(model, x)
        test.assertIsInstance(loaded.optimizer, type(model.optimizer))
        test.assertAllClose(loaded.optimizer.variables,
                            model.optimizer.variables)

    return check


def loss(make, y_true, y_pred):
    """Serialization, a finite value, and a compiled model that saves."""

    def check(test):
        instance = make()
        test.run_serialization_test(instance)
        test.assertAllFinite(instance(y_true, y_pred))

    return check


def layer(make, input_data):
    """Serialization and a `.keras` round trip inside a functional model."""

    def check(test):
        instance = make()
        test.run_serialization_test(instance)
        data = keras.ops.convert_to_tensor(input_data)
        inputs = keras.Input(data.shape[1:], dtype=data.dtype)
        model = keras.Model(inputs, make()(inputs))
        test.run_saving_test(model, data)

    return check


def activation(fn):
    """Used by name in a Dense layer, the model saves and reloads."""

    def check(test):
        x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
        model = keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(5, activation=fn)]
        )
        test.run_saving_test(model, x)

    return check


def custom(check):
    """For objects whose contract is tested in their own test file (model
    wrappers, callbacks, utilities): `check(test)` runs the smallest end-to-end
    use."""
    return check


SETTINGS = {
    "kerastricks.activations.stablemax": activation(
        kerastricks.activations.stablemax
    ),
    "kerastricks.optimizers.AdamP": optimizer(
        lambda: kerastricks.optimizers.AdamP(learning_rate=0.01)
    ),
    "kerastricks.optimizers.SGDP": optimizer(
        lambda: kerastricks.optimizers.SGDP(learning_rate=0.1, momentum=0.9)
    ),
    "kerastricks.optimizers.OrthoGrad": optimizer(
        lambda: kerastricks.optimizers.OrthoGrad(
            keras.optimizers.AdamW(learning_rate=0.01)
        )
    ),
    "kerastricks.losses.StableMaxCrossEntropy": loss(
        kerastricks.losses.StableMaxCrossEntropy,
        np.array([0, 2]),
        np.array([[1e4, 0.0, -1e4], [0.5, 0.1, 3.0]], "float32"),
    ),
}

# Entries contributed by technique packages live in sibling modules named
# `technique_settings_<area>.py`, so parallel work never edits one dict.
for _name in sorted(os.listdir(os.path.dirname(__file__))):
    if _name.startswith("technique_settings_") and _name.endswith(".py"):
        _module = __import__(f"tests.common.{_name[:-3]}",
                             fromlist=["SETTINGS"])
        SETTINGS.update(_module.SETTINGS)
