import math

import kerastricks
from kerastricks import testing


class LrSensitivityTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "final_losses=\\[\\]"):
            kerastricks.utils.lr_sensitivity([], 1.0)
        with self.assertRaisesRegex(TypeError, "final_losses=\\['a'\\]"):
            kerastricks.utils.lr_sensitivity(["a"], 1.0)
        with self.assertRaisesRegex(ValueError, "initial_loss=nan"):
            kerastricks.utils.lr_sensitivity([1.0], math.nan)

    def test_correctness_against_reference(self):
        # By hand, l0 = 5: a run above l0 (7), a NaN, an inf and a JSON
        # null all count as 5; capped [2, 3, 5, 5, 5, 5] minus the best 2
        # is [0, 1, 3, 3, 3, 3], mean 13 / 6.
        losses = [2.0, 3.0, 7.0, math.nan, math.inf, None]
        self.assertAllClose(kerastricks.utils.lr_sensitivity(losses, 5.0),
                            13.0 / 6.0)

    def test_flat_curve_and_all_diverged_are_zero(self):
        self.assertEqual(kerastricks.utils.lr_sensitivity([1.5] * 3, 5.0),
                         0.0)
        self.assertEqual(
            kerastricks.utils.lr_sensitivity([math.nan, 9.0], 5.0), 0.0)
