import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.losses import input_checks
from tests.references import ops as reference


class StableMaxCrossEntropyTest(testing.TestCase):
    def test_call_time_input_checks(self):
        input_checks.check_sparse_loss_inputs(
            self, kerastricks.losses.StableMaxCrossEntropy(),
            kerastricks.losses.StableMaxCrossEntropy(sparse=False),
            "StableMaxCrossEntropy")

    def test_invalid_args(self):
        with self.assertRaisesRegex(TypeError, "sparse="):
            kerastricks.losses.StableMaxCrossEntropy(sparse="yes")
        with self.assertRaisesRegex(TypeError, "axis="):
            kerastricks.losses.StableMaxCrossEntropy(axis=1.5)
        with self.assertRaisesRegex(TypeError, "floating-point"):
            kerastricks.ops.stablemax_cross_entropy(
                np.array([0]), np.array([[1, 2]], "int32")
            )

    def test_config(self):
        self.run_serialization_test(
            kerastricks.losses.StableMaxCrossEntropy(sparse=False, axis=1,
                                                     reduction="sum")
        )

    def test_basics(self):
        rng = np.random.default_rng(0)
        logits = rng.normal(scale=5.0, size=(6, 5)).astype("float32")
        labels = rng.integers(0, 5, size=6)
        self.run_loss_test(
            kerastricks.losses.StableMaxCrossEntropy(),
            kerastricks.ops.stablemax_cross_entropy,
            reference.np_stablemax_cross_entropy,
            labels, logits, atol=1e-5, rtol=1e-5,
        )

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(1)
        logits = rng.normal(scale=30.0, size=(4, 7)).astype("float32")
        labels = rng.integers(0, 7, size=4)
        one_hot = np.eye(7)[labels]
        expected = reference.np_stablemax_cross_entropy(labels, logits)
        self.assertAllClose(
            kerastricks.ops.stablemax_cross_entropy(labels[:, None], logits),
            expected, atol=1e-5, rtol=1e-5,
        )
        self.assertAllClose(
            kerastricks.ops.stablemax_cross_entropy(one_hot, logits,
                                                    sparse=False),
            expected, atol=1e-5, rtol=1e-5,
        )
        self.assertAllClose(
            kerastricks.activations.stablemax(logits),
            reference.np_stablemax(logits), atol=1e-6, rtol=1e-5,
        )

    def test_finite_where_softmax_collapses(self):
        # The paper's defining property: at logits [0, 200] softmax CE is 0
        # with a zero gradient; StableMax CE is log(202/201) and still learns.
        logits = np.array([[0.0, 200.0]], "float32")
        softmax_loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True)(np.array([1]), logits)
        self.assertEqual(float(softmax_loss), 0.0)
        loss = kerastricks.losses.StableMaxCrossEntropy()(np.array([1]),
                                                          logits)
        self.assertAllClose(loss, np.log(202.0 / 201.0), rtol=1e-5)
        extreme = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])
        for dtype in ("float32", "bfloat16"):
            values = kerastricks.ops.stablemax_cross_entropy(
                np.array([2, 0]), keras.ops.cast(extreme, dtype))
            self.assertAllFinite(values)
        self.assertAllClose(
            kerastricks.activations.stablemax(extreme.astype("float32")),
            reference.np_stablemax(extreme), rtol=1e-5, atol=1e-9,
        )

    def test_positive_at_huge_margins(self):
        # log sum s - log s_y cancels to 0 (printed -0.0) at a margin of 1e8;
        # the loss is log1p(others / s_y) = 1e-8 there, exact and positive.
        labels = np.array([1, 0])
        logits = np.array([[0.0, 1e8], [1e8, -5.0]], "float32")
        expected = reference.np_stablemax_cross_entropy(labels, logits)
        for sparse, targets in ((True, labels),
                                (False, np.eye(2, dtype="float32")[labels])):
            loss = keras.ops.convert_to_numpy(
                kerastricks.ops.stablemax_cross_entropy(
                    targets, logits, sparse=sparse))
            self.assertAllClose(loss, expected, atol=0.0, rtol=1e-6)
            self.assertTrue(np.all(loss > 0.0))
        # Where the others' share underflows float32 the loss is +0.0, not
        # -0.0.
        beyond = kerastricks.ops.stablemax_cross_entropy(
            np.array([1]), np.array([[-1e30, 1e30]], "float32"))
        beyond = keras.ops.convert_to_numpy(beyond)
        self.assertEqual(float(beyond[0]), 0.0)
        self.assertFalse(np.signbit(beyond[0]))
        log_probs = kerastricks.ops.log_stablemax(logits)
        self.assertAllClose(log_probs, np.log(reference.np_stablemax(logits)),
                            atol=0.0, rtol=1e-6)

    def test_gradient_nonzero_after_softmax_collapse(self):
        # One SGD step (lr=1) on a bias-only logit layer reveals the gradient.
        bias = np.array([0.0, 200.0], "float32")
        for loss, expect_zero in (
            (keras.losses.SparseCategoricalCrossentropy(from_logits=True),
             True),
            (kerastricks.losses.StableMaxCrossEntropy(), False),
        ):
            keras.utils.set_random_seed(0)
            model = keras.Sequential([
                keras.Input((1,)),
                keras.layers.Dense(2, kernel_initializer="zeros",
                                   bias_initializer=keras.initializers.
                                   Constant(bias)),
            ])
            model.compile(optimizer=keras.optimizers.SGD(1.0), loss=loss)
            model.train_on_batch(np.zeros((1, 1)), np.array([1]))
            moved = np.abs(keras.ops.convert_to_numpy(model.layers[0].bias)
                           - bias).max()
            self.assertEqual(moved == 0.0, expect_zero)

    def test_fit_jit_and_mixed_precision(self):
        x, y = testing.problems.blobs()
        def build():
            return testing.problems.mlp(outputs=3)
        self.run_fit_test(build(), x, y,
                          kerastricks.losses.StableMaxCrossEntropy())
        self.run_mixed_precision_test(
            build, x, y, kerastricks.losses.StableMaxCrossEntropy())
        model = build()
        model.compile(loss=kerastricks.losses.StableMaxCrossEntropy())
        self.run_saving_test(model, x)
