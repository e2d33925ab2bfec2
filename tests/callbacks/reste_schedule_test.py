import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import binary_estimators as reference

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 6)).astype("float32")
Y = RNG.normal(size=(4, 2)).astype("float32")


def binary_model():
    return keras.Sequential([
        keras.Input((6,)),
        kerastricks.layers.BinaryDense(5, estimator="reste"),
        keras.layers.BatchNormalization(),
        # ReSTE on the inputs only: it holds a root degree too.
        kerastricks.layers.BinaryDense(2, estimator="biper",
                                       activation_estimator="reste"),
    ])


class _ReadRootDegrees(keras.callbacks.Callback):
    """The layers' o during each epoch, as the train step saw it."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        if batch == 0:
            self.seen.append([float(layer.reste_root_degree.numpy())
                              for layer in self.model.layers
                              if hasattr(layer, "reste_root_degree")])


class ReSTEScheduleTest(testing.TestCase):
    def test_invalid_args(self):
        schedule = kerastricks.callbacks.ReSTESchedule
        with self.assertRaisesRegex(ValueError, "start=0"):
            schedule(start=0)
        with self.assertRaisesRegex(ValueError, "end=nan"):
            schedule(end=float("nan"))
        with self.assertRaisesRegex(TypeError, "epochs=2.5"):
            schedule(epochs=2.5)

    def test_config(self):
        self.run_serialization_test(kerastricks.callbacks.ReSTESchedule(
            start=1.5, end=4.0, epochs=7))

    def test_correctness_against_reference(self):
        model = binary_model()
        model.compile(optimizer="sgd", loss="mse", jit_compile="auto")
        reader = _ReadRootDegrees()
        history = model.fit(
            X, Y, epochs=3, batch_size=2, verbose=0,
            callbacks=[kerastricks.callbacks.ReSTESchedule(), reader])
        expected = reference.np_reste_schedule(np.arange(3), 3)
        self.assertAllClose(history.history["reste_root_degree"], expected)
        self.assertAllClose(reader.seen, np.stack([expected] * 2, axis=1))
        # Resumed at epoch 2 of 3 (e.g. from a checkpoint): the schedule
        # continues where it stopped.
        history = model.fit(
            X, Y, epochs=3, initial_epoch=2, verbose=0,
            callbacks=[kerastricks.callbacks.ReSTESchedule()])
        self.assertAllClose(history.history["reste_root_degree"],
                            expected[2:])
        # An explicit length, and the value reaching the layer's gradient.
        schedule = kerastricks.callbacks.ReSTESchedule(start=1.0, end=2.0,
                                                       epochs=10)
        self.assertAllClose(schedule.value_at(10), 2.0)
        self.assertAllClose(
            schedule.value_at(4),
            reference.np_reste_schedule(4, 10, start=1.0, end=2.0))
