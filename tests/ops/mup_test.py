import itertools

import numpy as np
from absl.testing import parameterized

from kerastricks import ops as kt_ops
from kerastricks import testing
from tests.references import mup as reference


class MupOpsTest(testing.TestCase):
    @parameterized.parameters(
        ((3, 64), (3, 16)), ((64, 64), (16, 16)), ((64, 2), (16, 2)),
        ((64,), (16,)), ((2,), (2,)), ((3, 3, 8, 32), (3, 3, 2, 8)),
        ((32, 4, 16), (8, 4, 4)))
    def test_role_against_reference(self, shape, base_shape):
        self.assertEqual(kt_ops.mup_role(shape, base_shape),
                         reference.role(shape, base_shape))

    def test_learning_rate_multiplier_against_table(self):
        for rule, role, fan_in, fan_out in itertools.product(
                ("adam", "sgd"), ("finite", "input", "hidden", "output"),
                (0.5, 4.0), (2.0, 8.0)):
            self.assertAllClose(
                kt_ops.mup_learning_rate_multiplier(role, fan_in, fan_out,
                                                    rule),
                reference.LEARNING_RATE_TABLE[rule][role](fan_in, fan_out))

    def test_base_width_is_the_standard_parametrization(self):
        for role in ("finite", "input", "hidden", "output"):
            for rule in ("adam", "sgd"):
                self.assertEqual(
                    kt_ops.mup_learning_rate_multiplier(role, 1.0, 1.0,
                                                        rule), 1.0)
        self.assertAllClose(kt_ops.mup_attention_scale(16, 16), 0.25)

    def test_attention_scale_is_one_over_key_dim(self):
        # Quadrupling the head size divides the scale by 4, not by 2.
        self.assertAllClose(kt_ops.mup_attention_scale(64, 16) * 4,
                            kt_ops.mup_attention_scale(16, 16))

    def test_readout_against_reference(self):
        rng = np.random.default_rng(0)
        inputs = rng.normal(size=(3, 12)).astype("float32")
        kernel = rng.normal(size=(12, 5)).astype("float32")
        self.assertAllClose(
            kt_ops.mup_readout(inputs, kernel, 12 / 4, 2.0),
            reference.readout(inputs, kernel, 0.0, 4, 2.0), atol=1e-5)

    def test_scale_update_and_change_rms(self):
        rng = np.random.default_rng(0)
        before, after = rng.normal(size=(2, 4, 3)).astype("float32")
        self.assertAllClose(kt_ops.scale_update(before, after, 0.25),
                            before + 0.25 * (after - before))
        self.assertAllClose(kt_ops.activation_change_rms(before, after),
                            np.sqrt(np.mean((after - before) ** 2)))

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "same rank"):
            kt_ops.mup_role((4, 4), (4,))
        with self.assertRaisesRegex(ValueError, "Received: role='bias'"):
            kt_ops.mup_learning_rate_multiplier("bias", 1.0, 1.0)
        with self.assertRaisesRegex(ValueError,
                                    "Received: update_rule='lion'"):
            kt_ops.mup_learning_rate_multiplier("hidden", 1.0, 1.0, "lion")
        with self.assertRaisesRegex(ValueError, "fan_in_ratio=0"):
            kt_ops.mup_learning_rate_multiplier("hidden", 0, 1.0)
        with self.assertRaisesRegex(ValueError, "base_key_dim=0"):
            kt_ops.mup_attention_scale(4, 0)
