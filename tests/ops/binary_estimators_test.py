import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import backend
from kerastricks import testing
from tests.references import binary_estimators as reference

# Inputs on both sides of every breakpoint (0.1, 1, 1.5) and of BiPer's
# zero crossings, and zero itself (binarized to +1).
X = np.array([-2.3, -1.45, -1.2, -0.8, -0.3, -0.07, 0.0, 0.03, 0.09, 0.2,
              0.55, 0.97, 1.1, 1.49, 1.7, 3.0], "float32")
CASES = (
    ("ste", "ste", {}),
    ("ste_threshold", "ste", {"threshold": 1.3}),
    ("reste_end", "reste", {"root_degree": 3.0}),
    ("reste_threshold", "reste", {"root_degree": 2.0, "threshold": 1.0}),
    ("biper", "biper", {"omega": 3.0}),
    ("biper_default", "biper", {}),
    ("approx_sign", "approx_sign", {}),
)


def value_and_gradient(fn, x, upstream):
    """`fn(x)` and the gradient of `sum(upstream * fn(x))` for `x`."""
    upstream = keras.ops.convert_to_tensor(upstream)

    def loss(values):
        outputs = fn(values[0])
        return keras.ops.sum(outputs * upstream), outputs

    (_, outputs), gradients = backend.get().loss_and_gradients(
        loss, [keras.ops.convert_to_tensor(x)])
    return (keras.ops.convert_to_numpy(outputs),
            keras.ops.convert_to_numpy(gradients[0]))


class BinaryEstimatorsTest(testing.TestCase):
    @parameterized.named_parameters(*CASES)
    def test_correctness_against_reference(self, estimator, kwargs):
        upstream = np.random.default_rng(0).normal(size=X.shape).astype(
            "float32")
        outputs, gradient = value_and_gradient(
            lambda x: kerastricks.ops.binarize(x, estimator, **kwargs), X,
            upstream)
        self.assertEqual(set(np.unique(outputs)), {-1.0, 1.0})
        self.assertAllEqual(
            outputs, reference.np_forward(X, estimator,
                                          kwargs.get("omega", 20.0)))
        # omega * x rounds in float32, and BiPer's cosine passes that on
        # times omega: up to omega**2 * |x| * 2**-24, 4e-5 at omega = 20.
        tolerance = 1e-4 if estimator == "biper" else 1e-6
        self.assertAllClose(
            gradient, upstream * reference.np_derivative(X, estimator,
                                                         **kwargs),
            atol=tolerance, rtol=tolerance)

    def test_functional_forms_match_binarize(self):
        ops = kerastricks.ops
        for fn, estimator, kwargs in (
                (ops.ste_sign, "ste", {"threshold": 0.5}),
                (ops.reste_sign, "reste", {"root_degree": 2.5}),
                (ops.biper_sign, "biper", {"omega": 7.0}),
                (ops.approx_sign, "approx_sign", {})):
            upstream = np.ones_like(X)
            direct = value_and_gradient(lambda x: fn(x, **kwargs), X,
                                        upstream)
            named = value_and_gradient(
                lambda x: ops.binarize(x, estimator, **kwargs), X, upstream)
            self.assertAllEqual(direct[0], named[0])
            self.assertAllEqual(direct[1], named[1])
        # A Keras variable (a layer's latent kernel) as the input.
        for estimator in ("ste", "reste", "biper"):
            self.assertAllEqual(
                ops.binarize(keras.Variable(X), estimator),
                reference.np_forward(X, estimator))

    def test_reste_properties(self):
        # The gradient SGD sees at x = 0.5, 0.05 and 2 with o = 2, o as a
        # tensor (a schedule moves a variable).
        x = np.array([0.5, 0.05, 2.0], "float32")
        _, gradient = value_and_gradient(
            lambda v: kerastricks.ops.reste_sign(
                v, root_degree=keras.ops.convert_to_tensor(2.0)), x,
            np.ones(3, "float32"))
        self.assertAllClose(gradient, [0.70710677, 3.1622777, 0.0])
        # o = 1 is the clipped straight-through estimator.
        reste = value_and_gradient(
            lambda v: kerastricks.ops.reste_sign(v, 1.0, threshold=1.5), X,
            np.ones_like(X))
        ste = value_and_gradient(
            lambda v: kerastricks.ops.ste_sign(v, threshold=1.5), X,
            np.ones_like(X))
        self.assertAllEqual(reste[0], ste[0])
        self.assertAllClose(reste[1], ste[1])

    def test_low_precision_input(self):
        x = keras.ops.cast(X, "bfloat16")
        outputs, gradient = value_and_gradient(
            lambda v: kerastricks.ops.reste_sign(v, 2.0), x,
            keras.ops.ones_like(x))
        self.assertDType(gradient, "bfloat16")
        self.assertAllEqual(outputs, reference.np_sign(X))
        self.assertAllClose(
            gradient,
            reference.np_reste_derivative(keras.ops.convert_to_numpy(
                keras.ops.cast(x, "float32")), 2.0), atol=1e-2, rtol=1e-2)

    def test_biper_quantization_error(self):
        w = np.random.default_rng(2).normal(scale=0.1, size=(50,))
        for omega in (1.0, 20.0):
            self.assertAllClose(
                kerastricks.ops.biper_quantization_error(
                    w.astype("float32"), omega),
                reference.np_biper_quantization_error(w, omega),
                atol=1e-6, rtol=1e-5)

    def test_invalid_args(self):
        ops = kerastricks.ops
        with self.assertRaisesRegex(ValueError, "estimator='sign'"):
            ops.binarize(X, "sign")
        with self.assertRaisesRegex(ValueError, "threshold=0"):
            ops.ste_sign(X, threshold=0)
        with self.assertRaisesRegex(ValueError, "root_degree=-1.0"):
            ops.reste_sign(X, root_degree=-1.0)
        with self.assertRaisesRegex(TypeError, "omega='20'"):
            ops.biper_sign(X, omega="20")
        with self.assertRaisesRegex(TypeError, "x of dtype int32"):
            ops.approx_sign(np.arange(3, dtype="int32"))
