import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import ops as reference


class StableMaxTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(TypeError, "floating-point"):
            kerastricks.activations.stablemax(np.array([1, 2]))

    def test_correctness_against_reference(self):
        x = np.random.default_rng(0).normal(scale=4, size=(3, 5, 4))
        x = x.astype("float32")
        for axis in (-1, 1):
            self.assertAllClose(kerastricks.activations.stablemax(x, axis),
                                reference.np_stablemax(x, axis), rtol=1e-5)

    def test_rows_sum_to_one_and_argmax_preserved(self):
        x = np.random.default_rng(1).normal(scale=50, size=(8, 6))
        probs = keras.ops.convert_to_numpy(
            kerastricks.activations.stablemax(x.astype("float32")))
        self.assertAllClose(probs.sum(-1), np.ones(8), atol=1e-6)
        self.assertAllEqual(probs.argmax(-1), x.argmax(-1))

    def test_smooth_at_zero(self):
        # s(0) = 1 and s'(0-) = s'(0+) = 1: the SGD probe on x gives dx.
        from kerastricks.ops.stablemax import stable_map

        self.assertAllClose(stable_map(np.array([0.0, -1e-3, 1e-3])),
                            [1.0, 1 / 1.001, 1.001], rtol=1e-6)

    def test_saving_as_layer_activation(self):
        x = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
        model = keras.Sequential([
            keras.Input((3,)),
            keras.layers.Dense(5, activation=kerastricks.activations.stablemax),
        ])
        self.run_saving_test(model, x)
        self.assertEqual(
            keras.saving.get_registered_name(kerastricks.activations.stablemax),
            "kerastricks>stablemax",
        )
