import keras
import numpy as np

import kerastricks
from kerastricks import testing
from kerastricks.layers import MuReadout
from tests.references import mup as reference


class MuReadoutTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "base_input_dim"):
            MuReadout(3, base_input_dim=0)
        with self.assertRaisesRegex(ValueError, "output_multiplier"):
            MuReadout(3, base_input_dim=4, output_multiplier=-1.0)

    def test_config(self):
        self.run_serialization_test(
            MuReadout(3, base_input_dim=4, output_multiplier=2.0,
                      use_bias=False, kernel_initializer="zeros"))

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(0)
        inputs = rng.normal(size=(5, 16)).astype("float32")
        layer = MuReadout(3, base_input_dim=4, output_multiplier=2.0)
        layer.build(inputs.shape)
        layer.bias.assign(rng.normal(size=3).astype("float32"))
        self.assertEqual(layer.width_ratio, 4.0)
        self.assertAllClose(
            layer(inputs),
            reference.readout(inputs, keras.ops.convert_to_numpy(
                layer.kernel), keras.ops.convert_to_numpy(layer.bias), 4,
                2.0), atol=1e-5)

    def test_functional_matches_class(self):
        rng = np.random.default_rng(1)
        inputs = rng.normal(size=(2, 8)).astype("float32")
        layer = MuReadout(4, base_input_dim=2, use_bias=False)
        self.assertAllClose(
            layer(inputs),
            kerastricks.ops.mup_readout(inputs, layer.kernel, 4.0))

    def test_default_initialization_scale_is_the_base_width(self):
        # Kernel std 1/sqrt(base_input_dim), whatever the width: initial
        # logits shrink by 1/sqrt(width ratio) as in the mup package.
        layer = MuReadout(256, base_input_dim=16)
        layer.build((None, 1024))
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        self.assertAllClose(kernel.std(), 0.25, atol=5e-3)
        zero = MuReadout(4, base_input_dim=16, kernel_initializer="zeros")
        zero.build((None, 32))
        self.assertAllClose(zero.kernel, np.zeros((32, 4)))
