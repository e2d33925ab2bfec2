import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.losses import input_checks
from tests.references import ops as reference


class LogitZLossTest(testing.TestCase):
    def test_call_time_input_checks(self):
        input_checks.check_sparse_loss_inputs(
            self, kerastricks.losses.LogitZLoss(),
            kerastricks.losses.LogitZLoss(cross_entropy="categorical"),
            "LogitZLoss")

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "coefficient=-1"):
            kerastricks.losses.LogitZLoss(coefficient=-1.0)
        with self.assertRaisesRegex(ValueError, "cross_entropy='dense'"):
            kerastricks.losses.LogitZLoss(cross_entropy="dense")
        with self.assertRaisesRegex(TypeError, "axis="):
            kerastricks.losses.LogitZLoss(axis="last")
        with self.assertRaisesRegex(TypeError, "floating-point"):
            kerastricks.ops.logit_z_loss(np.array([[1, 2]]))

    def test_config(self):
        self.run_serialization_test(
            kerastricks.losses.LogitZLoss(coefficient=1e-3,
                                          cross_entropy="categorical")
        )

    def test_basics(self):
        rng = np.random.default_rng(0)
        logits = rng.normal(scale=4.0, size=(6, 5)).astype("float32")
        labels = rng.integers(0, 5, size=6)
        self.run_loss_test(
            kerastricks.losses.LogitZLoss(coefficient=0.01),
            lambda y, p: (kerastricks.ops.logit_z_loss(p, 0.01)
                          + keras.losses.sparse_categorical_crossentropy(
                              y, p, from_logits=True)),
            lambda y, p: (reference.np_logit_z_loss(p, 0.01)
                          + reference.np_sparse_softmax_cross_entropy(y, p)),
            labels, logits, atol=1e-5, rtol=1e-5,
        )

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(1)
        logits = rng.normal(scale=10.0, size=(4, 7)).astype("float32")
        labels = rng.integers(0, 7, size=4)
        penalty_only = kerastricks.losses.LogitZLoss(cross_entropy=None,
                                                     reduction=None)
        self.assertAllClose(penalty_only(labels, logits),
                            reference.np_logit_z_loss(logits), rtol=1e-5)
        categorical = kerastricks.losses.LogitZLoss(
            cross_entropy="categorical", reduction=None)
        self.assertAllClose(
            categorical(np.eye(7)[labels], logits),
            reference.np_logit_z_loss(logits)
            + reference.np_sparse_softmax_cross_entropy(labels, logits),
            rtol=1e-5, atol=1e-5,
        )

    def test_shift_changes_only_the_penalty(self):
        # Cross-entropy is shift-invariant; the z-loss is not:
        # loss(o + c) - loss(o) = coef * ((log Z + c)^2 - (log Z)^2).
        logits = np.array([[0.5, -1.0, 2.0]], "float32")
        labels = np.array([2])
        loss = kerastricks.losses.LogitZLoss(coefficient=0.1)
        log_z = reference.np_logsumexp(logits)[0]
        difference = float(loss(labels, logits + 5.0)) - float(
            loss(labels, logits))
        self.assertAllClose(difference,
                            0.1 * ((log_z + 5.0) ** 2 - log_z**2), rtol=1e-5)

    def test_gradient_is_two_coefficient_log_z_softmax(self):
        # SGD probe on a bias-only layer: the bias moves by -lr * gradient.
        bias = np.array([1.0, -0.5, 2.0], "float32")
        model = keras.Sequential([
            keras.Input((1,)),
            keras.layers.Dense(3, kernel_initializer="zeros",
                               bias_initializer=keras.initializers.Constant(
                                   bias)),
        ])
        model.compile(optimizer=keras.optimizers.SGD(1.0),
                      loss=kerastricks.losses.LogitZLoss(
                          coefficient=0.5, cross_entropy=None))
        model.train_on_batch(np.zeros((1, 1)), np.zeros((1,)))
        log_z = reference.np_logsumexp(bias)
        softmax = np.exp(bias - log_z)
        moved = bias - keras.ops.convert_to_numpy(model.layers[0].bias)
        self.assertAllClose(moved, 2 * 0.5 * log_z * softmax, rtol=1e-5)

    def test_training_drives_log_z_to_zero(self):
        model = keras.Sequential([
            keras.Input((1,)),
            keras.layers.Dense(4, kernel_initializer="zeros",
                               bias_initializer=keras.initializers.Constant(
                                   3.0)),
        ])
        model.compile(optimizer=keras.optimizers.SGD(0.5),
                      loss=kerastricks.losses.LogitZLoss(
                          coefficient=1.0, cross_entropy=None),
                      jit_compile=testing.JIT_COMPILE)
        model.fit(np.zeros((4, 1)), np.zeros((4,)), epochs=60, batch_size=4,
                  verbose=0)
        bias = keras.ops.convert_to_numpy(model.layers[0].bias)
        self.assertLess(abs(reference.np_logsumexp(bias)), 1e-2)

    def test_fit_mixed_precision_and_saving(self):
        x, y = testing.problems.blobs()

        def build():
            return testing.problems.mlp(outputs=3)

        self.run_fit_test(build(), x, y, kerastricks.losses.LogitZLoss())
        self.run_mixed_precision_test(build, x, y,
                                      kerastricks.losses.LogitZLoss())
        model = build()
        model.compile(loss=kerastricks.losses.LogitZLoss())
        self.run_saving_test(model, x)
