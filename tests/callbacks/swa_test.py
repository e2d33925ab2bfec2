import os

import keras
import numpy as np

import kerastricks
from kerastricks import testing


def _numpy(value):
    return keras.ops.convert_to_numpy(value)


class _Record(keras.callbacks.Callback):
    """Weights at each epoch end and the rate of each batch (runs after
    SWA in the callback list)."""

    def __init__(self):
        super().__init__()
        self.weights, self.rates = [], []

    def on_train_begin(self, logs=None):
        self.initial = self.model.get_weights()

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(float(_numpy(self.model.optimizer.learning_rate)))

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def _fit(swa, model, x, y, epochs, batch_size):
    record = _Record()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse",
                  jit_compile=testing.JIT_COMPILE)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False,
              verbose=0, callbacks=[swa, record])
    return record


class SWATest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(TypeError, "start_epoch=True"):
            kerastricks.callbacks.SWA(start_epoch=True)
        with self.assertRaisesRegex(ValueError, "start_epoch=-1"):
            kerastricks.callbacks.SWA(start_epoch=-1)
        with self.assertRaisesRegex(ValueError, "average_period=0"):
            kerastricks.callbacks.SWA(0, average_period=0)
        with self.assertRaisesRegex(ValueError, "learning_rate=None"):
            kerastricks.callbacks.SWA(0, min_learning_rate=0.01)
        with self.assertRaisesRegex(ValueError, "min_learning_rate=0"):
            kerastricks.callbacks.SWA(0, learning_rate=0.1,
                                      min_learning_rate=0)
        with self.assertRaisesRegex(ValueError, "bn_update_data"):
            kerastricks.callbacks.SWA(0, bn_update_data=np.zeros((0, 2)))
        with self.assertRaisesRegex(TypeError, "swap_on_evaluate=1"):
            kerastricks.callbacks.SWA(0, swap_on_evaluate=1)
        with self.assertRaisesRegex(ValueError, "no average yet"):
            kerastricks.callbacks.SWA(0).swap_weights()

    def test_config(self):
        revived = self.run_serialization_test(kerastricks.callbacks.SWA(
            3, average_period=2, learning_rate=0.05, min_learning_rate=0.01,
            bn_update_data=np.ones((4, 2), "float32"), batch_size=2,
            swap_on_evaluate=True))
        self.assertEqual(revived.bn_update_data.shape, (4, 2))

    def test_functional_matches_numpy(self):
        # Equation (1) of the paper with i = iteration + 1.
        for i in range(7):
            t = (i % 3 + 1) / 3
            self.assertAllClose(
                kerastricks.ops.swa_cyclic_learning_rate(i, 3, 0.05, 0.01),
                (1 - t) * 0.05 + t * 0.01)
        snapshots = np.random.default_rng(0).normal(size=(4, 3))
        average = np.zeros(3)
        for n, snapshot in enumerate(snapshots):
            average = _numpy(kerastricks.ops.swa_running_average(
                average, snapshot, n))
        self.assertAllClose(average, snapshots.mean(axis=0))

    def test_correctness_against_reference(self):
        # Snapshots at the ends of epochs 2 and 4 (start 1, period 2); the
        # cyclic rate falls from 0.05 to 0.01 over each 2-epoch cycle of
        # 2 batches an epoch, and is untouched before the start epoch.
        rng = np.random.default_rng(0)
        x = rng.normal(size=(8, 3)).astype("float32")
        y = rng.normal(size=(8, 2)).astype("float32")
        swa = kerastricks.callbacks.SWA(
            start_epoch=1, average_period=2, learning_rate=0.05,
            min_learning_rate=0.01)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        record = _fit(swa, model, x, y, epochs=5, batch_size=4)
        expected = [np.mean([record.weights[2][j], record.weights[4][j]],
                            axis=0) for j in range(2)]
        self.assertTrue(swa.swapped)
        self.assertEqual(swa.num_averaged, 2)
        self.assertAllClose(model.get_weights(), expected)
        self.assertAllClose(swa.averaged_weights, expected)
        cycle = [0.04, 0.03, 0.02, 0.01]
        rates = [0.1, 0.1] + cycle + cycle
        self.assertAllClose(record.rates, rates, atol=1e-7)
        # The rates reach the compiled step: NumPy SGD on the mse of a
        # linear model with them gives the recorded epoch-end weights.
        kernel, bias = (w.astype("float64") for w in record.initial)
        for step, rate in enumerate(rates):
            xb, yb = x[4 * (step % 2):][:4], y[4 * (step % 2):][:4]
            error = 2.0 * (xb @ kernel + bias - yb) / yb.size
            kernel, bias = (kernel - rate * xb.T @ error,
                            bias - rate * error.sum(axis=0))
            if step % 2:
                self.assertAllClose(record.weights[step // 2],
                                    [kernel, bias], atol=1e-5, rtol=1e-5)
        swa.swap_weights()
        self.assertAllClose(model.get_weights(), record.weights[-1])

    def test_batch_normalization_recomputed_over_the_data(self):
        # Moving statistics = the average of the per-batch (biased)
        # statistics of BatchNormalization's inputs under the averaged
        # weights, as the paper's bn_update.
        rng = np.random.default_rng(1)
        x = rng.normal(2.0, 3.0, size=(12, 3)).astype("float32")
        y = rng.normal(size=(12, 1)).astype("float32")
        model = keras.Sequential([
            keras.Input((3,)), keras.layers.Dense(4, use_bias=False),
            keras.layers.BatchNormalization(), keras.layers.Dense(1)])
        swa = kerastricks.callbacks.SWA(0, bn_update_data=(x, y),
                                        batch_size=5)
        _fit(swa, model, x, y, epochs=2, batch_size=4)
        features = x @ _numpy(model.layers[0].kernel)
        batches = [features[i:i + 5] for i in (0, 5, 10)]
        normalization = model.layers[1]
        self.assertAllClose(normalization.moving_mean,
                            np.mean([b.mean(axis=0) for b in batches], 0),
                            atol=1e-5, rtol=1e-5)
        self.assertAllClose(normalization.moving_variance,
                            np.mean([b.var(axis=0) for b in batches], 0),
                            atol=1e-5, rtol=1e-5)
        self.assertEqual(normalization.momentum, 0.99)

    def test_average_survives_backup_and_restore(self):
        # Interrupted after epoch 2 and resumed with BackupAndRestore, the
        # average equals the uninterrupted run's.
        rng = np.random.default_rng(2)
        x = rng.normal(size=(8, 3)).astype("float32")
        y = rng.normal(size=(8, 2)).astype("float32")
        folder = self.make_temp_dir()

        class Interrupt(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == 2:
                    raise RuntimeError("interrupted")

        def fit(callbacks):
            keras.utils.set_random_seed(0)
            model = keras.Sequential([keras.Input((3,)),
                                      keras.layers.Dense(2)])
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
            model.fit(x, y, epochs=4, batch_size=4, shuffle=False,
                      verbose=0, callbacks=callbacks)
            return model

        def resumable():
            return [keras.callbacks.BackupAndRestore(folder),
                    kerastricks.callbacks.SWA(0, backup_dir=folder)]

        uninterrupted = fit([kerastricks.callbacks.SWA(0)]).get_weights()
        with self.assertRaisesRegex(RuntimeError, "interrupted"):
            fit(resumable() + [Interrupt()])
        callbacks = resumable()
        resumed = fit(callbacks)
        self.assertEqual(callbacks[1].num_averaged, 4)
        self.assertAllClose(resumed.get_weights(), uninterrupted,
                            atol=1e-6, rtol=1e-6)
        self.assertFalse(os.path.exists(os.path.join(folder,
                                                     "swa_averages.npz")))

    def test_swap_on_evaluate(self):
        # Validation in epoch 1 runs before that epoch's snapshot, on the
        # average so far: the weights after epoch 0, which epoch 0's
        # validation (before any average) also used. Training continues
        # from the swapped-back weights.
        rng = np.random.default_rng(3)
        x = rng.normal(size=(8, 3)).astype("float32")
        y = rng.normal(size=(8, 2)).astype("float32")
        swa = kerastricks.callbacks.SWA(0, swap_on_evaluate=True)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        record = _Record()
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse",
                      jit_compile=testing.JIT_COMPILE)
        history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False,
                            validation_data=(x, y), verbose=0,
                            callbacks=[swa, record])
        val_loss = history.history["val_loss"]
        self.assertAllClose(val_loss[1], val_loss[0], atol=1e-6)
        self.assertFalse(np.allclose(record.weights[0][0],
                                     record.weights[1][0]))
        self.assertAllClose(model.get_weights(), [
            np.mean([record.weights[0][j], record.weights[1][j]], axis=0)
            for j in range(2)])
