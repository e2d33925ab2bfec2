import keras

import kerastricks
from kerastricks import testing
from kerastricks.utils import mup_learning_rate_multipliers


def _mlp(width, readout=None):
    return keras.Sequential([
        keras.Input((3,)), keras.layers.Dense(width),
        keras.layers.Dense(width),
        readout or kerastricks.layers.MuReadout(2, base_input_dim=8)])


class MupLearningRateMultipliersTest(testing.TestCase):
    def test_adam_scales_hidden_weights_by_base_over_fan_in(self):
        multipliers = mup_learning_rate_multipliers(_mlp(32), _mlp(8))
        self.assertEqual(list(multipliers.values()),
                         [1.0, 1.0, 0.25, 1.0, 1.0, 1.0])

    def test_plain_dense_readout_is_refused(self):
        with self.assertRaisesRegex(ValueError, "not the kernel of a "
                                    "kerastricks.layers.MuReadout"):
            mup_learning_rate_multipliers(
                _mlp(32, keras.layers.Dense(2)),
                _mlp(8, keras.layers.Dense(2)))

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "update_rule"):
            mup_learning_rate_multipliers(_mlp(32), _mlp(8), "lion")
