import os
import tempfile

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import weight_pruning as reference

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 1)).astype("float32")
A = [np.ones((1, 1), "float32"), np.ones((1, 1), "float32")]
B = [-np.ones((1, 1), "float32"), -np.ones((1, 1), "float32")]


def product_model():
    """x -> x * u * v: (1, 1) and (-1, -1) both fit y = x exactly."""
    model = keras.Sequential([
        keras.Input((1,)), keras.layers.Dense(1, use_bias=False, name="u"),
        keras.layers.Dense(1, use_bias=False, name="v")])
    model.compile(loss="mse")
    return model


def classifier():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    return model


class InterpolationBarrierTest(testing.TestCase):
    def test_invalid_args(self):
        barrier = kerastricks.utils.interpolation_barrier
        model = product_model()
        with self.assertRaisesRegex(ValueError, "must be compiled"):
            barrier(keras.Sequential([keras.Input((1,)),
                                      keras.layers.Dense(1)]), A, B, (X, X))
        with self.assertRaisesRegex(ValueError, r"Received: \[\(1, 1\)\]"):
            barrier(model, A[:1], B, (X, X))
        with self.assertRaisesRegex(ValueError, "num_points=1"):
            barrier(model, A, B, (X, X), num_points=1)
        with self.assertRaisesRegex(TypeError, "plot_path=3"):
            barrier(model, A, B, (X, X), plot_path=3)

    def test_known_barrier_against_reference(self):
        model = product_model()
        before = model.get_weights()
        result = kerastricks.utils.interpolation_barrier(
            model, A, B, (X, X), num_points=5)
        alphas = np.linspace(0, 1, 5)
        losses = reference.np_product_model_losses(X, 1, 1, -1, -1, alphas)
        self.assertAllClose(result["losses"], losses, atol=1e-5, rtol=1e-5)
        # The barrier is mean(x^2), reached at alpha = 0.5.
        self.assertAllClose(result["barrier"],
                            np.mean(X.astype("float64") ** 2),
                            atol=1e-5, rtol=1e-5)  # float32 evaluation
        self.assertEqual(result["argmax_alpha"], 0.5)
        # The model's own weights come back.
        self.assertAllClose(model.get_weights(), before)

    def test_self_barrier_is_zero_and_endpoints_are_the_models_losses(self):
        labels = RNG.integers(0, 4, size=12)
        inputs = RNG.normal(size=(12, 3)).astype("float32")
        model_a, model_b = classifier(), classifier()
        weights_a, weights_b = model_a.get_weights(), model_b.get_weights()
        itself = kerastricks.utils.interpolation_barrier(
            model_a, weights_a, weights_a, (inputs, labels), num_points=3)
        self.assertEqual(itself["barrier"], 0.0)
        result = kerastricks.utils.interpolation_barrier(
            model_a, weights_a, weights_b, (inputs, labels), num_points=3)
        loss_a, accuracy_a = model_a.evaluate(inputs, labels, verbose=0)
        loss_b, accuracy_b = model_b.evaluate(inputs, labels, verbose=0)
        self.assertAllClose(
            [result["losses"][0], result["losses"][-1]], [loss_a, loss_b])
        self.assertAllClose([result["accuracies"][0],
                             result["accuracies"][-1]],
                            [accuracy_a, accuracy_b])
        self.assertAllClose(model_a.get_weights(), weights_a)

    def test_layerwise_barriers_and_png(self):
        model = product_model()
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "layers.png")
            result = kerastricks.utils.layerwise_interpolation_barrier(
                model, A, B, (X, X), num_points=5, plot_path=path)
            self.assertGreater(os.path.getsize(path), 0)
        self.assertEqual(sorted(result), ["u", "v"])
        # Moving u alone: loss m (2 alpha)^2 against the chord 4 m alpha,
        # never above it; the barrier is 0 (at the endpoints).
        alphas = np.linspace(0, 1, 5)
        losses = reference.np_product_model_losses(
            X, 1, 1, -1, -1, alphas, interpolate_v=False)
        self.assertAllClose(result["u"]["losses"], losses,
                            atol=1e-5, rtol=1e-5)  # float32 evaluation
        self.assertAllClose(result["u"]["barrier"], 0.0, atol=1e-6)
        self.assertAllClose(result["v"]["barrier"], 0.0, atol=1e-6)
