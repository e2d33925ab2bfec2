import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import robustness as reference


class LearnedTemperatureHeadTest(testing.TestCase):
    def test_correctness_against_reference(self):
        features = np.random.default_rng(0).normal(size=(6, 5)).astype(
            "float32")
        head = kerastricks.layers.LearnedTemperatureHead(3)
        head.build(features.shape)
        # Non-trivial BatchNormalization statistics and affine parameters.
        normalization = head.temperature_normalization
        normalization.gamma.assign([1.5])
        normalization.beta.assign([-0.25])
        normalization.moving_mean.assign([0.3])
        normalization.moving_variance.assign([2.0])
        expected = reference.np_learned_temperature_head(
            features, *head.logits.get_weights(),
            *head.temperature_projection.get_weights(), 1.5, -0.25, 0.3, 2.0,
            epsilon=normalization.epsilon)
        self.assertAllClose(head(features, training=False), expected,
                            atol=1e-5, rtol=1e-5)

    def test_temperature_is_in_unit_interval_and_scales_logits(self):
        features = np.random.default_rng(1).normal(size=(8, 5)).astype(
            "float32")
        head = kerastricks.layers.LearnedTemperatureHead(4)
        scaled = keras.ops.convert_to_numpy(head(features, training=True))
        temperature = keras.ops.convert_to_numpy(
            head.temperature(features, training=True))
        self.assertTrue(np.all((temperature > 0) & (temperature < 1)))
        self.assertAllClose(scaled * temperature,
                            head.logits(features), atol=1e-5, rtol=1e-5)

    def test_trains_the_temperature_branch(self):
        rng = np.random.default_rng(2)
        x = rng.normal(size=(16, 5)).astype("float32")
        y = (x[:, 0] > 0).astype("int32")
        inputs = keras.Input((5,))
        model = keras.Model(
            inputs, kerastricks.layers.LearnedTemperatureHead(2)(inputs))
        before = [w.copy() for w in model.get_weights()]
        self.run_fit_test(
            model, x, y,
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            optimizer=keras.optimizers.SGD(0.1), epochs=1)
        moved = [float(np.max(np.abs(a - b)))
                 for a, b in zip(before, model.get_weights())]
        # Every trainable weight moves but the bias of the temperature
        # projection (index 3): BatchNormalization in training removes the
        # batch mean, so that bias gets a zero gradient (up to rounding).
        for index in (0, 1, 2, 4, 5):
            self.assertGreater(moved[index], 1e-4, index)
        self.assertLess(moved[3], 1e-6)

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "units"):
            kerastricks.layers.LearnedTemperatureHead(0)
        with self.assertRaisesRegex(ValueError, "momentum"):
            kerastricks.layers.LearnedTemperatureHead(3, momentum=1.0)
