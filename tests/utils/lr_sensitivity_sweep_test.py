import math
import os

import keras
import numpy as np

import kerastricks
from kerastricks import testing

_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(8, 3)).astype("float32")
_Y = _X.sum(axis=1, keepdims=True)


def build_model(learning_rate, bias=0.0):
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(1, kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant(
                               bias)),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate),
                  loss="mse", metrics=["mae"])
    return model


class LrSensitivitySweepTest(testing.TestCase):
    def test_invalid_args(self):
        sweep = kerastricks.utils.lr_sensitivity_sweep
        data = (_X, _Y)
        with self.assertRaisesRegex(TypeError, "build_model=1"):
            sweep(1, [0.1], data)
        with self.assertRaisesRegex(ValueError, "learning_rates=\\[0.0\\]"):
            sweep(build_model, [0.0], data)
        with self.assertRaisesRegex(TypeError, "variants=\\{'a': 1\\}"):
            sweep(build_model, [0.1], data, variants={"a": 1})
        with self.assertRaisesRegex(TypeError, "compiled keras.Model"):
            sweep(lambda rate: keras.Sequential([keras.Input((3,)),
                                                 keras.layers.Dense(1)]),
                  [0.1], data)
        with self.assertRaisesRegex(ValueError, "'val_mae' is not in"):
            sweep(build_model, [0.1], data, metric="val_mae",
                  initial_loss=1.0)

    def test_sweep_records_and_summarizes(self):
        results = kerastricks.utils.lr_sensitivity_sweep(
            build_model, [0.05, 1e6], (_X, _Y), validation_data=(_X, _Y),
            variants={"zero": {}, "offset": {"bias": 1.0}}, epochs=5,
            batch_size=8, metric="val_mae")
        # l0: the first model's validation MAE before training, mean |y|.
        self.assertAllClose(results["initial_loss"], np.mean(np.abs(_Y)),
                            atol=1e-6, rtol=1e-6)
        self.assertEqual(results["learning_rates"], [0.05, 1e6])
        self.assertEqual(results["metric"], "val_mae")
        for variant in ("zero", "offset"):
            stable, diverged = results["final_loss"][variant]
            self.assertLess(stable, results["initial_loss"])
            # Blown-up weights: a non-finite or huge error, counted as l0.
            self.assertTrue(math.isnan(diverged)
                            or diverged > results["initial_loss"])
            self.assertAllClose(
                results["lr_sensitivity"][variant],
                kerastricks.utils.lr_sensitivity(
                    [stable, diverged], results["initial_loss"]))
        # Same seed, same rate, same builder: identical runs.
        again = kerastricks.utils.lr_sensitivity_sweep(
            build_model, [0.05], (_X, _Y), epochs=5, batch_size=8,
            initial_loss=1.0)
        self.assertLen(again["final_loss"]["model"], 1)
        path = os.path.join(self.make_temp_dir(), "sweep.png")
        kerastricks.utils.plot_lr_sensitivity(results, path, title="t")
        self.assertGreater(os.path.getsize(path), 1000)

    def test_plot_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "results=\\{\\}"):
            kerastricks.utils.plot_lr_sensitivity({}, "x.png")
        with self.assertRaisesRegex(TypeError, "path=None"):
            kerastricks.utils.plot_lr_sensitivity(
                {"learning_rates": [], "final_loss": {},
                 "lr_sensitivity": {}, "initial_loss": 1.0}, None)
