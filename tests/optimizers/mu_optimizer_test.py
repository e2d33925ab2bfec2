import keras
import numpy as np

from kerastricks import testing
from kerastricks.optimizers import MuOptimizer


def _variables():
    rng = np.random.default_rng(0)
    return [keras.Variable(rng.normal(size=shape).astype("float32"),
                           name=name)
            for name, shape in (("a", (3,)), ("b", (2, 4)))]


class MuOptimizerTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "learning_rate_multipliers"):
            MuOptimizer(keras.optimizers.Adam(), {"a": 0.0})
        with self.assertRaisesRegex(ValueError, "wrapped optimizer"):
            MuOptimizer(keras.optimizers.Adam(), {}, learning_rate=0.1)

    def test_config(self):
        self.run_serialization_test(
            MuOptimizer(keras.optimizers.AdamW(1e-3), {"dense/kernel": 0.25}))

    def test_adam_step_equals_adam_with_scaled_learning_rate(self):
        # Adam's step is proportional to its rate, so the wrapper's scaled
        # step must equal Adam at rate * multiplier, step after step.
        rng = np.random.default_rng(1)
        ours, plain_a, plain_b = _variables(), _variables(), _variables()
        wrapped = MuOptimizer(keras.optimizers.Adam(1e-2),
                              {ours[1].path: 0.25})
        adam = keras.optimizers.Adam(1e-2)
        adam_scaled = keras.optimizers.Adam(1e-2 * 0.25)
        for _ in range(3):
            grads = [keras.ops.convert_to_tensor(
                rng.normal(size=v.shape).astype("float32")) for v in ours]
            wrapped.apply(grads, ours)
            adam.apply(grads[:1], plain_a[:1])
            adam_scaled.apply(grads[1:], plain_b[1:])
        self.assertAllClose(ours[0], plain_a[0], atol=1e-6)
        self.assertAllClose(ours[1], plain_b[1], atol=1e-6)
