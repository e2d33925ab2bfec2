import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import optimal_transport as reference

# Float32 Sinkhorn iterations against the float64 reference: rounding in
# the potentials accumulates to ~1e-6 of the (order-1) values.
TOLERANCE = {"atol": 1e-5, "rtol": 1e-5}


class SinkhornDivergenceTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "epsilon=0"):
            kerastricks.losses.SinkhornDivergence(epsilon=0)
        with self.assertRaisesRegex(ValueError, "num_iterations=0"):
            kerastricks.losses.SinkhornDivergence(num_iterations=0)
        with self.assertRaisesRegex(ValueError, "cost='cosine'"):
            kerastricks.losses.SinkhornDivergence(cost="cosine")
        with self.assertRaisesRegex(ValueError, "same dimension"):
            kerastricks.ops.sinkhorn_divergence(np.zeros((3, 2), "float32"),
                                                np.zeros((3, 4), "float32"))

    def test_config(self):
        self.run_serialization_test(kerastricks.losses.SinkhornDivergence(
            epsilon=0.2, num_iterations=7, cost="euclidean"))

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(7, 3)).astype("float32")
        y = (rng.normal(size=(5, 3)) + 1.0).astype("float32")
        weights_x = rng.uniform(0.1, 1.0, size=7).astype("float32")
        weights_y = rng.uniform(0.1, 1.0, size=5).astype("float32")
        for epsilon, cost in ((None, "squared_euclidean"),
                              (0.1, "squared_euclidean"),
                              (0.5, "euclidean")):
            options = {"epsilon": epsilon, "num_iterations": 40,
                       "cost": cost}
            self.assertAllClose(
                kerastricks.ops.sinkhorn_cost(x, y, **options),
                reference.np_sinkhorn_cost(x, y, **options), **TOLERANCE)
            self.assertAllClose(
                kerastricks.ops.sinkhorn_divergence(
                    x, y, x_weights=weights_x, y_weights=weights_y,
                    **options),
                reference.np_sinkhorn_divergence(
                    x, y, x_weights=weights_x, y_weights=weights_y,
                    **options), **TOLERANCE)
        # Trailing axes are flattened: (n, 2, 2) points are 4-vectors.
        self.assertAllClose(
            kerastricks.ops.sinkhorn_divergence(
                x[:, :2].reshape(7, 2, 1), y[:, :2].reshape(5, 1, 2),
                epsilon=0.3, num_iterations=20),
            reference.np_sinkhorn_divergence(x[:, :2], y[:, :2],
                                             epsilon=0.3, num_iterations=20),
            **TOLERANCE)

    def test_divergence_of_a_shift_is_its_squared_length(self):
        # The debiasing's point: S(x + t, x) = |t|^2 (W alone is biased).
        x = np.random.default_rng(4).normal(size=(8, 2)).astype("float32")
        shift = np.array([0.6, -0.8], "float32")
        loss = kerastricks.losses.SinkhornDivergence(epsilon=1.0)
        self.assertAllClose(loss(x, x + shift), 1.0, **TOLERANCE)
        self.assertAllClose(loss(x, x), 0.0, atol=1e-5)
        biased = kerastricks.ops.sinkhorn_cost(x + shift, x, epsilon=1.0)
        self.assertGreater(abs(float(biased) - 1.0), 0.1)

    def test_fit_moves_points_onto_the_target(self):
        # A bias-only map x -> x + b, fitted on the divergence, finds the
        # mean shift between the clouds; compiled, mixed precision, saved.
        rng = np.random.default_rng(5)
        x = rng.normal(size=(16, 2)).astype("float32")
        y = (x + np.array([2.0, -1.0], "float32"))[rng.permutation(16)]

        def build():
            return keras.Sequential([
                keras.Input((2,)),
                keras.layers.Dense(2, kernel_initializer="identity",
                                   trainable=True),
            ])

        model = build()
        model.layers[0].kernel.trainable = False
        loss = kerastricks.losses.SinkhornDivergence(epsilon=0.5,
                                                     num_iterations=30)
        history = self.run_fit_test(model, x, y, loss,
                                    optimizer=keras.optimizers.SGD(0.2),
                                    epochs=30)
        self.assertLess(history.history["loss"][-1], 0.01)
        self.assertAllClose(model.layers[0].bias, [2.0, -1.0], atol=0.05)
        self.run_mixed_precision_test(build, x, y, loss)
        self.run_saving_test(model, x)
