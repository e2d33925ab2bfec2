import os
import tempfile

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from kerastricks.utils import coordinate_check

BASE_WIDTH = 16
WIDTHS = [16, 64, 256]  # 16x
_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(16, 8)).astype("float32")
Y = _RNG.normal(size=(16, 4)).astype("float32")


def _mlp(width, mup):
    fan_in = keras.initializers.VarianceScaling(1.0, "fan_in", "normal",
                                                seed=0)
    readout = (kerastricks.layers.MuReadout(
        4, base_input_dim=BASE_WIDTH, kernel_initializer="zeros",
        name="readout") if mup else keras.layers.Dense(
        4, kernel_initializer=fan_in, name="readout"))
    return keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(width, activation="relu",
                           kernel_initializer=fan_in, name="first"),
        keras.layers.Dense(width, activation="relu",
                           kernel_initializer=fan_in, name="hidden"),
        readout])


def _builder(mup):
    def build(width):
        model = _mlp(width, mup)
        optimizer = keras.optimizers.Adam(1e-2)
        if mup:
            optimizer = kerastricks.optimizers.MuOptimizer(
                optimizer, kerastricks.utils.mup_learning_rate_multipliers(
                    model, _mlp(BASE_WIDTH, mup)))
        model.compile(optimizer=optimizer, loss="mse")
        return model
    return build


def _spread(values):
    return max(values) / min(values)


class CoordinateCheckTest(testing.TestCase):
    def test_mup_is_flat_and_standard_grows(self):
        mup = coordinate_check(_builder(True), WIDTHS, X, Y, steps=3)
        standard = coordinate_check(_builder(False), WIDTHS, X, Y, steps=3)
        self.assertEqual(sorted(mup), ["first", "hidden", "readout"])
        for name in ("hidden", "readout"):
            self.assertLess(_spread(mup[name]), 2.0, (name, mup[name]))
            # Adam moves every hidden coordinate by O(lr), so the standard
            # parametrization's change grows with the fan-in.
            self.assertGreater(standard[name][-1] / standard[name][0], 2.0,
                               (name, standard[name]))

    def test_writes_png(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "check.png")
            coordinate_check(_builder(False), [4, 8], X, Y, steps=1,
                             path=path)
            with open(path, "rb") as file:
                self.assertEqual(file.read(4), b"\x89PNG")

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "widths"):
            coordinate_check(_builder(True), [16], X, Y)
        with self.assertRaisesRegex(TypeError, "compiled keras.Model"):
            coordinate_check(lambda width: _mlp(width, True), [4, 8], X, Y)
