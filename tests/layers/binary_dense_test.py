import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.references import binary_estimators as reference

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 5)).astype("float32")
UPSTREAM = RNG.normal(size=(6, 3)).astype("float32")


def linear_loss(y_true, y_pred):
    """`sum(y_true * y_pred)`: the upstream gradient is exactly y_true."""
    return keras.ops.sum(y_true * y_pred)


def sgd_step(layer, x, upstream):
    """The kernel change of one compiled SGD(learning_rate=1) step."""
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    before = np.array(layer.kernel)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0),
                  loss=linear_loss, jit_compile="auto")
    model.train_on_batch(x, upstream)
    return np.array(layer.kernel) - before


class BinaryDenseTest(testing.TestCase):
    def test_invalid_args(self):
        layers = kerastricks.layers
        with self.assertRaisesRegex(ValueError, "estimator='xnor'"):
            layers.BinaryDense(3, estimator="xnor")
        with self.assertRaisesRegex(ValueError,
                                    "activation_estimator='biper'"):
            layers.BinaryDense(3, activation_estimator="biper")
        with self.assertRaisesRegex(ValueError, "kernel_scale='mean'"):
            layers.BinaryDense(3, kernel_scale="mean")
        with self.assertRaisesRegex(ValueError, "omega=0"):
            layers.BinaryDense(3, omega=0)
        with self.assertRaisesRegex(ValueError, "units=0"):
            layers.BinaryDense(0)

    def test_config(self):
        layer = kerastricks.layers.BinaryDense(
            4, estimator="reste", kernel_scale="learned", threshold=1.2,
            root_degree=2.0, use_bias=True, activation="relu")
        self.run_serialization_test(layer)
        config = layer.get_config()
        self.assertEqual(
            {k: config[k] for k in ("units", "estimator", "kernel_scale",
                                    "threshold", "root_degree", "use_bias")},
            {"units": 4, "estimator": "reste", "kernel_scale": "learned",
             "threshold": 1.2, "root_degree": 2.0, "use_bias": True})

    @parameterized.named_parameters(
        ("ste_channel", "ste", "channel", True),
        ("reste_tensor", "reste", "tensor", True),
        ("biper_unscaled", "biper", None, True),
        ("approx_sign_real_inputs", "approx_sign", "channel", False),
    )
    def test_correctness_against_reference(self, estimator, kernel_scale,
                                           binary_activations):
        layer = kerastricks.layers.BinaryDense(
            3, estimator=estimator, kernel_scale=kernel_scale,
            binary_activations=binary_activations)
        outputs = layer(X)
        self.assertAllClose(
            outputs, reference.np_binary_dense(
                X, np.array(layer.kernel), estimator, kernel_scale,
                binary_activations), atol=1e-5, rtol=1e-5)

    def test_kernel_gradient_is_the_estimators(self):
        # Unscaled: dL/dW = sign(x).T @ G times the surrogate derivative.
        for estimator, kwargs in (("reste", {"root_degree": 2.0}),
                                  ("biper", {"omega": 5.0})):
            layer = kerastricks.layers.BinaryDense(
                3, estimator=estimator, kernel_scale=None, **kwargs)
            layer.build(X.shape)
            kernel = np.array(layer.kernel)
            change = sgd_step(layer, X, UPSTREAM)
            expected = (reference.np_sign(X).T @ UPSTREAM) * (
                reference.np_derivative(kernel, estimator, **kwargs))
            self.assertAllClose(-change, expected, atol=1e-5, rtol=1e-5)

    def test_channel_scale_gradient(self):
        # out = s(x) @ (b(W) * a), a_c = mean_i |W_ic|: the kernel gets the
        # estimator's path plus the scale's, sign(W_ic) / n * sum_j b M.
        layer = kerastricks.layers.BinaryDense(3, estimator="ste")
        layer.build(X.shape)
        kernel = np.array(layer.kernel, np.float64)
        change = sgd_step(layer, X, UPSTREAM)
        products = reference.np_sign(X).T @ UPSTREAM
        binary = reference.np_sign(kernel)
        scale = np.abs(kernel).mean(axis=0)
        expected = (scale * reference.np_ste_derivative(kernel) * products
                    + np.sign(kernel) / kernel.shape[0]
                    * (binary * products).sum(axis=0))
        self.assertAllClose(-change, expected, atol=1e-5, rtol=1e-5)
