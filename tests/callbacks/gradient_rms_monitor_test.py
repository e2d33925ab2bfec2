import os

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import training_instability as reference

_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(6, 3)).astype("float32")
_Y = _RNG.normal(size=(6, 1)).astype("float32")


def linear_model():
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(1, name="linear")])
    model.set_weights([_RNG.normal(size=(3, 1)).astype("float32"),
                       np.array([0.5], "float32")])
    model.compile(optimizer="sgd", loss="mse")
    return model


class GradientRMSMonitorTest(testing.TestCase):
    def test_invalid_args(self):
        monitor_cls = kerastricks.callbacks.GradientRMSMonitor
        with self.assertRaisesRegex(ValueError, "tuple"):
            monitor_cls(_X)
        with self.assertRaisesRegex(ValueError, "6 inputs and 2 targets"):
            monitor_cls((_X, _Y[:2]))
        with self.assertRaisesRegex(TypeError, "loss_fn='abc'"):
            monitor_cls((_X, _Y), loss_fn="abc")
        with self.assertRaisesRegex(ValueError, "frequency=0"):
            monitor_cls((_X, _Y), frequency=0)
        with self.assertRaisesRegex(ValueError, "unit='epochs'"):
            monitor_cls((_X, _Y), unit="epochs")

    def test_config(self):
        self.run_serialization_test(kerastricks.callbacks.GradientRMSMonitor(
            (_X, _Y), loss_fn=keras.losses.MeanSquaredError(), unit="step"))

    def test_correctness_against_reference(self):
        model = linear_model()
        kernel, bias = model.get_weights()
        expected = reference.np_linear_mse_gradient_rms(_X, _Y, kernel, bias)
        for loss_fn in (None, "mse"):
            monitor = kerastricks.callbacks.GradientRMSMonitor(
                (_X, _Y), loss_fn=loss_fn)
            monitor.set_model(model)
            self.assertAllClose(monitor.measure()["gradient_rms/linear"],
                                expected, atol=1e-6, rtol=1e-5)

    def test_matches_finite_differences(self):
        model = linear_model()
        weights = [w.astype("float64") for w in model.get_weights()]

        def loss(values):
            kernel, bias = values
            return np.mean((_X @ kernel + bias - _Y) ** 2)

        step = 1e-6
        gradient = []
        for index, weight in enumerate(weights):
            for flat in range(weight.size):
                shifted = [w.copy() for w in weights]
                shifted[index].flat[flat] += step
                down = [w.copy() for w in weights]
                down[index].flat[flat] -= step
                gradient.append((loss(shifted) - loss(down)) / (2 * step))
        monitor = kerastricks.callbacks.GradientRMSMonitor((_X, _Y))
        monitor.set_model(model)
        self.assertAllClose(monitor.measure()["gradient_rms/linear"],
                            np.sqrt(np.mean(np.square(gradient))),
                            atol=1e-5, rtol=1e-4)  # float32 vs differences

    def test_logs_every_other_epoch_and_plot(self):
        model = linear_model()
        path = os.path.join(self.make_temp_dir(), "rms.png")
        monitor = kerastricks.callbacks.GradientRMSMonitor(
            (_X, _Y), frequency=2, plot_path=path)
        seen = []

        class Recorder(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                seen.append("gradient_rms/linear" in logs)

        model.fit(_X, _Y, epochs=4, batch_size=6, verbose=0,
                  callbacks=[monitor, Recorder()])
        self.assertEqual(seen, [False, True, False, True])
        self.assertEqual(monitor.history["step"], [2, 4])
        self.assertGreater(os.path.getsize(path), 1000)
