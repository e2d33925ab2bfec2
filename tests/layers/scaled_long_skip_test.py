import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import scaled_long_skip as reference


class ScaledLongSkipTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.ScaledLongSkip
        with self.assertRaisesRegex(ValueError, "skip_index=-1"):
            layer_cls(skip_index=-1)
        with self.assertRaisesRegex(TypeError, "skip_index=1.5"):
            layer_cls(skip_index=1.5)
        with self.assertRaisesRegex(ValueError, "scaling='adaptive'"):
            layer_cls(scaling="adaptive")
        with self.assertRaisesRegex(ValueError, "kappa=0.0"):
            layer_cls(kappa=0.0)
        with self.assertRaisesRegex(ValueError, "kappa=1.5"):
            layer_cls(kappa=1.5)
        with self.assertRaisesRegex(ValueError, "reduction=0"):
            layer_cls(reduction=0)

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.ScaledLongSkip(
            skip_index=3, scaling="learnable", kappa=0.8, reduction=4))

    def test_constant_scaling_is_kappa_to_the_skip_index(self):
        x = np.random.default_rng(0).normal(size=(2, 4, 4, 3))
        x = x.astype("float32")
        for index in (0, 1, 3):
            layer = kerastricks.layers.ScaledLongSkip(skip_index=index,
                                                      kappa=0.7)
            self.assertAllClose(
                layer(x), reference.np_constant_skip_scaling(x, 0.7, index))
        unit = kerastricks.layers.ScaledLongSkip(skip_index=4, kappa=1.0)
        self.assertAllEqual(unit(x), x)

    def test_learnable_scaling_against_reference(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(3, 4, 4, 2)).astype("float32")
        layer = kerastricks.layers.ScaledLongSkip(scaling="learnable",
                                                  reduction=4)
        layer.build(x.shape)
        self.assertEqual(tuple(layer.hidden_kernel.shape), (16, 4))
        weights = [rng.normal(size=w.shape).astype("float32")
                   for w in layer.weights]
        layer.set_weights(weights)
        expected = reference.np_learnable_skip_scaling(x, *weights)
        self.assertAllClose(layer(x), expected, atol=1e-6, rtol=1e-5)
        scaled, coefficients = kerastricks.ops.learnable_skip_scaling(
            x, *weights)
        self.assertAllClose(scaled, expected, atol=1e-6, rtol=1e-5)
        coefficients = keras.ops.convert_to_numpy(coefficients)
        self.assertEqual(coefficients.shape, (3, 4, 4, 1))
        self.assertTrue(np.all((coefficients > 0) & (coefficients < 1)))
