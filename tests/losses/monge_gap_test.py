import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import optimal_transport as reference

TOLERANCE = {"atol": 1e-5, "rtol": 1e-5}  # float32 Sinkhorn, as its test


def _reference_points(num_points=32):
    return np.random.default_rng(6).normal(size=(num_points, 2)).astype(
        "float32")


class MongeGapTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "epsilon=-1.0"):
            kerastricks.losses.MongeGap(epsilon=-1.0)
        with self.assertRaisesRegex(TypeError, "num_iterations=2.5"):
            kerastricks.losses.MongeGap(num_iterations=2.5)
        with self.assertRaisesRegex(ValueError, "cost='l1'"):
            kerastricks.losses.MongeGap(cost="l1")
        with self.assertRaisesRegex(ValueError, "number of points"):
            kerastricks.ops.monge_gap(np.zeros((3, 2), "float32"),
                                      np.zeros((4, 2), "float32"))

    def test_config(self):
        self.run_serialization_test(kerastricks.losses.MongeGap(
            epsilon=0.3, num_iterations=9, cost="euclidean"))

    def test_correctness_against_reference(self):
        x = _reference_points(8)
        mapped = np.tanh(x[:, ::-1] * 2.0).astype("float32")
        weights = np.linspace(0.2, 1.0, 8).astype("float32")
        for epsilon, cost in ((None, "squared_euclidean"),
                              (0.2, "euclidean")):
            options = {"epsilon": epsilon, "num_iterations": 40,
                       "cost": cost}
            self.assertAllClose(
                kerastricks.ops.monge_gap(x, mapped, weights=weights,
                                          **options),
                reference.np_monge_gap(x, mapped, weights=weights,
                                       **options), **TOLERANCE)
            self.assertAllClose(
                kerastricks.losses.MongeGap(**options)(x, mapped),
                reference.np_monge_gap(x, mapped, **options), **TOLERANCE)

    def test_gap_vanishes_for_convex_gradients_only(self):
        # The paper's defining property, for the squared cost: x -> A x + b
        # with A symmetric positive definite is the gradient of a convex
        # function, so moving every point to its own image is an optimal
        # coupling and the gap is 0 up to the entropic bias, which lies in
        # [-eps log n, 0] (W_eps >= W_0 = displacement, and the own-image
        # coupling pays eps log n of entropy). A reflection (symmetric, not
        # positive definite) and a rotation move mass suboptimally.
        x = _reference_points()
        root = np.random.default_rng(7).normal(size=(2, 2))
        spd = root @ root.T + 0.5 * np.eye(2)
        epsilon, bias = 0.2, 0.2 * np.log(len(x))
        gap = kerastricks.losses.MongeGap(epsilon=epsilon,
                                          num_iterations=100)
        affine = float(gap(x, (x @ spd + [1.0, -2.0]).astype("float32")))
        self.assertBetween(affine, -bias, 1e-3)
        for name, matrix in (("reflection", [[-1.0, 0.0], [0.0, 1.0]]),
                             ("rotation", [[0.0, 1.0], [-1.0, 0.0]])):
            value = float(gap(x, (x @ np.array(matrix)).astype("float32")))
            self.assertGreater(value, 2.0 * bias, name)
        # At the default (relative) epsilon the same separation holds.
        default = kerastricks.losses.MongeGap()
        self.assertLess(float(default(x, (x @ spd).astype("float32"))), 0.0)
        self.assertGreater(float(default(
            x, (x * [-1.0, 1.0]).astype("float32"))), 1.0)

    def test_training_on_the_gap_straightens_a_reflection(self):
        # A linear map started at a reflection, trained on the gap alone
        # (compiled step), ends with a smaller gap; then saving and mixed
        # precision.
        x = _reference_points(16)

        def build():
            return keras.Sequential([
                keras.Input((2,)),
                keras.layers.Dense(2, kernel_initializer=keras.initializers
                                   .Constant([[-1.0, 0.0], [0.0, 1.0]])),
            ])

        loss = kerastricks.losses.MongeGap(epsilon=0.2, num_iterations=30)
        model = build()
        history = self.run_fit_test(model, x, x, loss,
                                    optimizer=keras.optimizers.SGD(0.05),
                                    epochs=20)
        self.assertLess(history.history["loss"][-1],
                        0.5 * history.history["loss"][0])
        self.run_mixed_precision_test(build, x, x, loss)
        self.run_saving_test(model, x)
