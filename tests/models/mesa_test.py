import keras
import numpy as np
import pytest
from absl.testing import parameterized

import kerastricks
from kerastricks.testing import TestCase
from tests.models import wrappers
from tests.references import sharpness_aware as reference

pytestmark = pytest.mark.requires_trainable_backend

MESA = kerastricks.models.MESA


class _WeightRecorder(keras.callbacks.Callback):
    """The inner model's weights at the start of every epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_begin(self, epoch, logs=None):
        self.weights.append(
            [np.asarray(w, "float64") for w in self.model.inner.get_weights()])


class MESATest(TestCase):
    def test_invalid_args(self):
        model = wrappers.make_model()
        for kwargs, error, message in (
            ({"trajectory_loss_weight": -0.5}, ValueError,
             "trajectory_loss_weight=-0.5"),
            ({"temperature": -1.0}, ValueError, "temperature=-1.0"),
            ({"temperature": float("inf")}, ValueError, "temperature=inf"),
            ({"start_epoch": "5"}, TypeError, "start_epoch='5'"),
            ({"end_epoch": 1.5}, TypeError, "end_epoch=1.5"),
            ({"ema_momentum": 1.0}, ValueError, "ema_momentum=1.0"),
            ({"ema_momentum": -0.1}, ValueError, "ema_momentum=-0.1"),
        ):
            with self.assertRaisesRegex(error, message):
                MESA(model, **kwargs)
        with self.assertRaisesRegex(TypeError, "keras.Model"):
            MESA("resnet")

    def test_refuses_probability_outputs(self):
        wrappers.check_refuses_probability_outputs(self, MESA)

    def test_config(self):
        mesa = MESA(wrappers.make_model(), trajectory_loss_weight=0.5,
                    start_epoch=2, end_epoch=7, ema_momentum=0.99)
        revived = self.run_serialization_test(mesa)
        self.assertEqual(
            (revived.trajectory_loss_weight, revived.temperature,
             revived.start_epoch, revived.end_epoch, revived.ema_momentum),
            (0.5, 5.0, 2, 7, 0.99))

    def test_basics(self):
        mesa = MESA(wrappers.make_model(), start_epoch=0, ema_momentum=0.5)
        x, _ = wrappers.fit_with_trajectory_logs(self, mesa, epochs=2)
        # One average per float variable, BatchNorm statistics included.
        self.assertLen(mesa.ema_weights, len(mesa.inner.weights))
        loaded = self.run_saving_test(mesa, x)
        self.assertAllClose(loaded.ema_weights, mesa.ema_weights)

    @parameterized.parameters("sequential", "subclassed")
    def test_ema_follows_closed_form(self, kind):
        # One step per epoch: the average after k steps is
        # m^k w_0 + (1 - m) sum_j m^(k-1-j) v_j, where v_j are the weights
        # step j starts from and, for BatchNorm statistics, the values its
        # forward pass has just produced.
        x, y = wrappers.blobs()
        mesa = MESA(wrappers.make_model(kind), start_epoch=0,
                    ema_momentum=0.6)
        mesa.compile(optimizer=keras.optimizers.SGD(0.5),
                     loss=wrappers.cross_entropy())
        recorder = _WeightRecorder()
        mesa.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0,
                 callbacks=[recorder])
        # The initializers are seeded: a fresh copy holds the initial
        # weights (TensorFlow builds the wrapped model inside the first
        # step, after epoch 0 began).
        fresh = wrappers.make_model(kind)
        fresh(x[:1])
        initial = [np.asarray(w, "float64") for w in fresh.get_weights()]
        final = [np.asarray(w, "float64") for w in mesa.inner.get_weights()]
        starts = [initial] + recorder.weights[1:]
        after_forward = recorder.weights[1:] + [final]
        for index, (variable, average) in enumerate(
                zip(mesa.inner.weights, mesa.ema_weights)):
            values = starts if variable.trainable else after_forward
            expected = reference.np_ema(
                initial[index], [w[index] for w in values], 0.6)
            self.assertAllClose(average, expected, atol=1e-6, rtol=1e-5,
                                msg=variable.path)
        # It trails the weights: not the initial ones, not the final ones.
        average = keras.ops.convert_to_numpy(mesa.ema_weights[0])
        self.assertGreater(np.abs(average - initial[0]).max(), 1e-3)
        self.assertGreater(np.abs(average - final[0]).max(), 1e-3)

    def test_correctness_against_reference(self):
        # Softmax regression, one full-batch step per epoch: the teacher's
        # logits are x @ average(kernel) + average(bias), the average
        # refreshed with the weights the step starts from.
        rng = np.random.default_rng(0)
        x = rng.normal(size=(6, 4)).astype("float32")
        y = np.array([0, 1, 2, 0, 1, 2])
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        initial = [np.asarray(w, "float64") for w in model.get_weights()]
        mesa = MESA(model, trajectory_loss_weight=0.9, temperature=3.0,
                    start_epoch=1, ema_momentum=0.5)
        mesa.compile(optimizer=keras.optimizers.SGD(1.0),
                     loss=wrappers.cross_entropy())
        recorder = _WeightRecorder()
        history = mesa.fit(x, y, epochs=5, batch_size=6, shuffle=False,
                           verbose=0, callbacks=[recorder])
        logged = history.history["trajectory_loss"]
        for epoch, (kernel, bias) in enumerate(recorder.weights):
            seen = recorder.weights[: epoch + 1]
            teacher_kernel = reference.np_ema(
                initial[0], [w[0] for w in seen], 0.5)
            teacher_bias = reference.np_ema(
                initial[1], [w[1] for w in seen], 0.5)
            expected = 0.0
            if epoch > 1:
                expected = 0.9 * reference.np_trajectory_loss(
                    x @ kernel + bias, x @ teacher_kernel + teacher_bias,
                    3.0).mean()
            self.assertAllClose(logged[epoch], expected, atol=1e-6,
                                rtol=1e-5, msg=f"epoch {epoch}")
        self.assertGreater(logged[-1], 1e-4)

    def test_coefficient_zero_equals_plain_training(self):
        wrappers.check_equals_plain_training(
            self, lambda m: MESA(m, trajectory_loss_weight=0.0,
                                 start_epoch=0, ema_momentum=0.5))

    def test_one_extra_forward_and_no_extra_backward_pass(self):
        self.assertEqual(
            wrappers.passes_per_step(lambda m: MESA(m, start_epoch=0), self),
            (2, 1))

    @parameterized.parameters(*wrappers.KINDS)
    def test_wraps_any_model(self, kind):
        x, y = wrappers.blobs()
        mesa = MESA(wrappers.make_model(kind), start_epoch=0,
                    ema_momentum=0.5)
        weights = wrappers.fit_weights(mesa, x, y, epochs=2)
        self.assertAllFinite(np.concatenate([w.ravel() for w in weights]))
        self.assertLen(mesa.ema_weights, len(mesa.inner.weights))
        self.run_saving_test(mesa, x)

    def test_jit_compile(self):
        wrappers.check_trajectory_jit(
            self, lambda m: MESA(m, start_epoch=0, ema_momentum=0.5),
            epochs=2)

    def test_mixed_precision(self):
        wrappers.check_mixed_precision(
            self, lambda m: MESA(m, start_epoch=0, ema_momentum=0.5))

    def test_distribution(self):
        wrappers.check_distribution(
            self, lambda m: MESA(m, start_epoch=0, ema_momentum=0.5))

    def test_resumption(self):
        wrappers.check_resumption(
            self, lambda m: MESA(m, start_epoch=0, ema_momentum=0.5))
