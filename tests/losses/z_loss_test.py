import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.losses import input_checks
from tests.references import z_loss as reference


def bias_only_model(bias):
    """Logits equal to a trainable bias: an SGD step reveals the gradient."""
    return keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(len(bias), kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant(
                               bias)),
    ])


class ZLossTest(testing.TestCase):
    def test_call_time_input_checks(self):
        input_checks.check_sparse_loss_inputs(
            self, kerastricks.losses.ZLoss(),
            kerastricks.losses.ZLoss(sparse=False), "ZLoss")

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "a=0"):
            kerastricks.losses.ZLoss(a=0)
        with self.assertRaisesRegex(TypeError, "b='far'"):
            kerastricks.losses.ZLoss(b="far")
        with self.assertRaisesRegex(TypeError, "sparse='yes'"):
            kerastricks.losses.ZLoss(sparse="yes")
        with self.assertRaisesRegex(TypeError, "axis=1.5"):
            kerastricks.losses.ZLoss(axis=1.5)
        with self.assertRaisesRegex(TypeError, "floating-point"):
            kerastricks.ops.z_loss(np.array([0]), np.array([[1, 2]], "int32"))

    def test_config(self):
        self.run_serialization_test(
            kerastricks.losses.ZLoss(a=0.5, b=2.0, sparse=False, axis=1,
                                     reduction="sum"))

    def test_basics(self):
        rng = np.random.default_rng(0)
        logits = rng.normal(scale=5.0, size=(6, 5)).astype("float32")
        labels = rng.integers(0, 5, size=6)
        self.run_loss_test(
            kerastricks.losses.ZLoss(a=2.0, b=1.0),
            lambda y, p: kerastricks.ops.z_loss(y, p, a=2.0, b=1.0),
            lambda y, p: reference.np_z_loss(y, p, a=2.0, b=1.0),
            labels, logits, atol=1e-5, rtol=1e-5,
        )

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(1)
        logits = rng.normal(scale=3.0, size=(4, 7)).astype("float32")
        labels = rng.integers(0, 7, size=4)
        expected = reference.np_z_loss(labels, logits)
        self.assertAllClose(kerastricks.ops.z_loss(labels[:, None], logits),
                            expected, atol=1e-5, rtol=1e-5)
        self.assertAllClose(
            kerastricks.ops.z_loss(np.eye(7)[labels], logits, sparse=False),
            expected, atol=1e-5, rtol=1e-5)
        # Class axis 1 of (batch, classes, positions) logits.
        channels_first = logits.reshape(2, 2, 7).transpose(0, 2, 1)
        self.assertAllClose(
            kerastricks.losses.ZLoss(axis=1, reduction=None)(
                labels.reshape(2, 2), channels_first),
            expected.reshape(2, 2), atol=1e-5, rtol=1e-5)
        for a, b in ((0.1, 10.0), (5.0, -1.0)):
            self.assertAllClose(
                kerastricks.ops.z_loss(labels, logits, a=a, b=b),
                reference.np_z_loss(labels, logits, a=a, b=b),
                atol=1e-5, rtol=1e-5)

    def test_shift_and_scale_invariance(self):
        # The paper's defining property; softmax cross-entropy is only shift
        # invariant, so it fails the scale half of this test.
        rng = np.random.default_rng(2)
        logits = rng.normal(size=(5, 6)).astype("float32")
        labels = rng.integers(0, 6, size=5)
        loss = kerastricks.losses.ZLoss(reduction=None)
        cross_entropy = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=None)
        expected = loss(labels, logits)
        for scale, shift in ((7.0, 3.0), (0.01, -2.0), (1e30, 0.0),
                             (1e-30, 0.0)):
            transformed = (scale * logits + shift).astype("float32")
            self.assertAllClose(loss(labels, transformed), expected,
                                atol=1e-5, rtol=1e-5)
        self.assertAllClose(cross_entropy(labels, logits + 3.0),
                            cross_entropy(labels, logits), atol=1e-5,
                            rtol=1e-5)
        self.assertFalse(np.allclose(
            keras.ops.convert_to_numpy(cross_entropy(labels, 7.0 * logits)),
            keras.ops.convert_to_numpy(cross_entropy(labels, logits)),
            rtol=1e-3))

    def test_permuting_other_classes_keeps_the_loss(self):
        # A spherical-family loss sees only sum(o), sum(o^2) and o_y.
        logits = np.array([[0.3, 2.0, -1.0, 0.7]], "float32")
        permuted = logits[:, [0, 2, 3, 1]][:, [0, 3, 1, 2]]
        self.assertAllEqual(permuted[:, 0], logits[:, 0])
        loss = kerastricks.losses.ZLoss(a=3.0, b=1.0)
        self.assertAllClose(loss(np.array([0]), permuted),
                            loss(np.array([0]), logits), rtol=1e-6)

    def test_gradient_matches_the_reference(self):
        # One SGD step (lr=1) on a bias-only model moves the bias by minus
        # the gradient; compare with central differences of the reference.
        bias = np.array([1.0, -0.5, 2.0, 0.25], "float64")
        model = bias_only_model(bias)
        model.compile(optimizer=keras.optimizers.SGD(1.0),
                      loss=kerastricks.losses.ZLoss(a=2.0, b=0.5))
        model.train_on_batch(np.zeros((1, 1)), np.array([1]))
        moved = bias - keras.ops.convert_to_numpy(model.layers[0].bias)
        step = 1e-6
        numeric = [
            (reference.np_z_loss([1], [bias + step * e], 2.0, 0.5)[0]
             - reference.np_z_loss([1], [bias - step * e], 2.0, 0.5)[0])
            / (2 * step)
            for e in np.eye(4)
        ]
        self.assertAllClose(moved, numeric, atol=1e-5, rtol=1e-4)

    def test_equal_logits_stay_finite_and_trainable(self):
        # z is 0/0 when all logits are equal (e.g. a zero-initialized head);
        # the loss is softplus(a b) / a there and the gradient is finite.
        loss = kerastricks.losses.ZLoss(a=2.0, b=1.0)
        self.assertAllClose(loss(np.array([1]), np.zeros((1, 3), "float32")),
                            np.log1p(np.exp(2.0)) / 2.0, rtol=1e-6)
        model = bias_only_model(np.zeros(3))
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        model.fit(np.zeros((2, 1)), np.array([1, 1]), epochs=3, verbose=0)
        bias = keras.ops.convert_to_numpy(model.layers[0].bias)
        self.assertAllFinite(bias)
        self.assertEqual(int(np.argmax(bias)), 1)

    def test_fit_jit_and_mixed_precision(self):
        x, y = testing.problems.blobs()

        def build():
            return testing.problems.mlp(outputs=3)

        history = self.run_fit_test(build(), x, y, kerastricks.losses.ZLoss(),
                                    optimizer=keras.optimizers.Adam(0.05),
                                    epochs=40, metrics=[
                                        keras.metrics.SparseCategoricalAccuracy(
                                            name="accuracy")])
        self.assertLess(history.history["loss"][-1],
                        history.history["loss"][0])
        self.assertGreater(history.history["accuracy"][-1], 0.8)
        self.run_mixed_precision_test(build, x, y,
                                      kerastricks.losses.ZLoss())
        model = build()
        model.compile(loss=kerastricks.losses.ZLoss(a=0.5, b=2.0))
        self.run_saving_test(model, x)
        self.assertAllFinite(kerastricks.ops.z_loss(
            np.array([0]), keras.ops.cast([[1e4, 0.0, -1e4]], "bfloat16")))
