import keras
import numpy as np
import pytest
from absl.testing import parameterized

import kerastricks
from kerastricks.testing import TestCase
from tests.models import wrappers
from tests.references import sharpness_aware as reference

pytestmark = pytest.mark.requires_trainable_backend

SAF = kerastricks.models.SAF


def _identity_model():
    """Logits = inputs, so every stored logit names its example."""
    return keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(3, kernel_initializer="identity"),
    ])


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y, with_indices, batch_size=4):
        super().__init__()
        self.x, self.y = x, y
        self.with_indices = with_indices
        self.batch_size = batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, batch):
        rows = np.arange(batch * self.batch_size,
                         (batch + 1) * self.batch_size)
        x = self.x[rows]
        if self.with_indices:
            x = SAF.with_example_indices(x, rows)
        return x, self.y[rows]


class _PredictionRecorder(keras.callbacks.Callback):
    """The inner model's logits on `x` at the start of every epoch."""

    def __init__(self, x):
        super().__init__()
        self.x = x
        self.logits = []

    def on_epoch_begin(self, epoch, logs=None):
        self.logits.append(self.model.inner.predict(self.x, verbose=0))


class SAFTest(TestCase):
    def test_invalid_args(self):
        model = wrappers.make_model()
        for kwargs, error, message in (
            ({"num_examples": 0}, ValueError, "num_examples=0"),
            ({"trajectory_loss_weight": -1.0}, ValueError,
             "trajectory_loss_weight=-1.0"),
            ({"temperature": 0.0}, ValueError, "temperature=0.0"),
            ({"temperature": float("inf")}, ValueError, "temperature=inf"),
            ({"start_epoch": -1}, ValueError, "start_epoch=-1"),
            ({"start_epoch": 2.5}, TypeError, "start_epoch=2.5"),
            ({"end_epoch": -3}, ValueError, "end_epoch=-3"),
            ({"lag_epochs": 0}, ValueError, "lag_epochs=0"),
        ):
            with self.assertRaisesRegex(error, message):
                SAF(model, **kwargs)
        with self.assertRaisesRegex(TypeError, "keras.Model"):
            SAF(lambda x: x)
        sequence_model = keras.Sequential(
            [keras.Input((2, 4)), keras.layers.Dense(3)])
        with self.assertRaisesRegex(ValueError, r"\(batch, classes\)"):
            saf = SAF(sequence_model)
            saf.compile(optimizer="sgd", loss="mse")
            saf.fit(np.ones((4, 2, 4)), np.zeros((4, 2, 3)), verbose=0)

    def test_refuses_probability_outputs(self):
        wrappers.check_refuses_probability_outputs(self, SAF)

    def test_config(self):
        saf = SAF(wrappers.make_model(), num_examples=16, temperature=2.0,
                  start_epoch=1, end_epoch=9, lag_epochs=2)
        revived = self.run_serialization_test(saf)
        self.assertEqual(
            (revived.num_examples, revived.trajectory_loss_weight,
             revived.temperature, revived.start_epoch, revived.end_epoch,
             revived.lag_epochs),
            (16, 0.3, 2.0, 1, 9, 2))

    def test_basics(self):
        saf = SAF(wrappers.make_model(), start_epoch=0, lag_epochs=1)
        x, _ = wrappers.fit_with_trajectory_logs(self, saf, epochs=3)
        self.assertEqual(int(keras.ops.convert_to_numpy(saf.epoch)), 3)
        self.assertEqual(tuple(saf.memory.shape), (16 * 2, 3))
        loaded = self.run_saving_test(saf, x)
        self.assertEqual(loaded.num_examples, 16)
        self.assertAllClose(loaded.memory, saf.memory)

    def test_correctness_against_reference(self):
        # One full-batch step per epoch: epoch e's logits are the inner
        # model's predictions at the start of the epoch.
        rng = np.random.default_rng(0)
        x = rng.normal(size=(6, 4)).astype("float32")
        y = np.array([0, 1, 2, 0, 1, 2])
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        saf = SAF(model, trajectory_loss_weight=0.7, temperature=2.0,
                  start_epoch=1, lag_epochs=2)
        saf.compile(optimizer=keras.optimizers.SGD(1.0),
                    loss=wrappers.cross_entropy())
        recorder = _PredictionRecorder(x)
        history = saf.fit(x, y, epochs=6, batch_size=6, shuffle=False,
                          verbose=0, callbacks=[recorder])
        logged = history.history["trajectory_loss"]
        for epoch, logits in enumerate(recorder.logits):
            expected = 0.0
            if epoch >= 2:  # after start_epoch=1, and lag_epochs=2 recorded
                expected = 0.7 * reference.np_trajectory_loss(
                    logits, recorder.logits[epoch - 2], 2.0).mean()
            self.assertAllClose(logged[epoch], expected, atol=1e-6,
                                rtol=1e-5, msg=f"epoch {epoch}")
        self.assertGreater(logged[-1], 1e-4)
        memory = keras.ops.convert_to_numpy(saf.memory).reshape(6, 3, 3)
        for epoch in (3, 4, 5):
            self.assertAllClose(memory[:, epoch % 3], recorder.logits[epoch],
                                atol=1e-6)

    def test_functional_matches_reference(self):
        rng = np.random.default_rng(0)
        current = rng.normal(size=(5, 4)).astype("float32")
        past = rng.normal(size=(5, 4)).astype("float32")
        self.assertAllClose(
            kerastricks.ops.trajectory_loss(current, past, 3.0),
            reference.np_trajectory_loss(current, past, 3.0), atol=1e-6,
            rtol=1e-5)
        # A per-example shift leaves the softmax unchanged; tau^2 = 25
        # scales the float32 rounding of the log-softmaxes.
        self.assertAllClose(
            kerastricks.ops.trajectory_loss(current, current + 2.0, 5.0),
            np.zeros(5), atol=2e-5)
        with self.assertRaisesRegex(ValueError, "same shape"):
            kerastricks.ops.trajectory_loss(current, past[:, :3])

    def test_memory_slot_per_example_under_shuffling(self):
        x = np.stack([np.arange(12.0), -np.arange(12.0),
                      np.arange(12.0) ** 2], axis=1).astype("float32")
        y = np.arange(12) % 3
        saf = SAF(_identity_model(), start_epoch=0, lag_epochs=1)
        saf.compile(optimizer=keras.optimizers.SGD(0.0),
                    loss=wrappers.cross_entropy())
        saf.fit(x, y, epochs=2, batch_size=4, shuffle=True, verbose=0)
        memory = keras.ops.convert_to_numpy(saf.memory).reshape(12, 2, 3)
        self.assertAllClose(memory[:, 0], x)
        self.assertAllClose(memory[:, 1], x)

    def test_datasets_with_indices(self):
        x = np.stack([np.arange(8.0)] * 3, axis=1).astype("float32")
        y = np.arange(8) % 3
        saf = SAF(_identity_model(), num_examples=8, start_epoch=0,
                  lag_epochs=1)
        saf.compile(optimizer=keras.optimizers.SGD(0.0),
                    loss=wrappers.cross_entropy())
        saf.fit(_Batches(x, y, with_indices=True), epochs=1, verbose=0)
        memory = keras.ops.convert_to_numpy(saf.memory).reshape(8, 2, 3)
        self.assertAllClose(memory[:, 0], x)
        # Validation data needs no indices.
        saf.evaluate(x, y, verbose=0)
        with self.assertRaisesRegex(ValueError, "with_example_indices"):
            saf.fit(_Batches(x, y, with_indices=False), epochs=1, verbose=0)
        with self.assertRaisesRegex(ValueError, "num_examples"):
            SAF(_identity_model()).fit(_Batches(x, y, with_indices=True))
        with self.assertRaisesRegex(ValueError, "remembers the logits of 8"):
            saf.fit(x[:4], y[:4], verbose=0)

    def test_coefficient_zero_equals_plain_training(self):
        wrappers.check_equals_plain_training(
            self, lambda m: SAF(m, trajectory_loss_weight=0.0,
                                start_epoch=0, lag_epochs=1),
            sample_weight=np.linspace(0.5, 1.5, 16))

    def test_one_forward_and_backward_pass_per_step(self):
        self.assertEqual(
            wrappers.passes_per_step(
                lambda m: SAF(m, start_epoch=0, lag_epochs=1), self),
            (1, 1))

    @parameterized.parameters(*wrappers.KINDS)
    def test_wraps_any_model(self, kind):
        x, y = wrappers.blobs()
        saf = SAF(wrappers.make_model(kind), start_epoch=0, lag_epochs=1)
        weights = wrappers.fit_weights(saf, x, y, epochs=2)
        self.assertAllFinite(np.concatenate([w.ravel() for w in weights]))
        self.run_saving_test(saf, x)

    def test_jit_compile(self):
        saf = wrappers.check_trajectory_jit(
            self, lambda m: SAF(m, start_epoch=0, lag_epochs=1), epochs=3)
        # Every example's logits were recorded in both slots.
        memory = keras.ops.convert_to_numpy(saf.memory).reshape(16, 2, 3)
        self.assertTrue(np.all(np.abs(memory).sum(axis=-1) > 0))

    def test_mixed_precision(self):
        wrappers.check_mixed_precision(
            self, lambda m: SAF(m, start_epoch=0, lag_epochs=1))

    def test_distribution(self):
        wrappers.check_distribution(
            self, lambda m: SAF(m, start_epoch=0, lag_epochs=1))

    def test_resumption(self):
        wrappers.check_resumption(
            self, lambda m: SAF(m, start_epoch=0, lag_epochs=1))
