import math

import keras
import numpy as np
import pytest

import kerastricks
from kerastricks import testing


class ScaleLearningRateTest(testing.TestCase):
    def test_invalid_args(self):
        scale = kerastricks.utils.scale_learning_rate
        with self.assertRaisesRegex(ValueError, "learning_rate=-0.1"):
            scale(-0.1, 32, 64, rule="linear")
        with self.assertRaisesRegex(ValueError, "batch_size=0"):
            scale(0.1, 32, 0, rule="linear")
        with self.assertRaisesRegex(ValueError, "rule='cubic'"):
            scale(0.1, 32, 64, rule="cubic")
        with self.assertRaisesRegex(ValueError, "optimizer=None, rule=None"):
            scale(0.1, 32, 64)
        with self.assertRaisesRegex(ValueError, "Lion"):
            scale(0.1, 32, 64, optimizer=keras.optimizers.Lion())

    def test_basics(self):
        scale = kerastricks.utils.scale_learning_rate
        for optimizer in ("sgd", keras.optimizers.SGD(momentum=0.9),
                          kerastricks.optimizers.SGDP,
                          kerastricks.optimizers.OrthoGrad(
                              keras.optimizers.SGD())):
            self.assertAllClose(scale(0.1, 64, 256, optimizer), 0.4)
        for optimizer in ("adam", keras.optimizers.AdamW, "rmsprop",
                          kerastricks.optimizers.AdamP(),
                          keras.optimizers.LossScaleOptimizer(
                              keras.optimizers.Adam())):
            self.assertAllClose(scale(1e-3, 64, 256, optimizer), 2e-3)
        self.assertAllClose(scale(0.1, 64, 16, keras.optimizers.Lion(),
                                  rule="sqrt"), 0.05)

    def test_correctness_against_reference(self):
        for base, new in ((32, 32), (128, 512), (512, 128), (3, 7)):
            self.assertAllClose(
                kerastricks.utils.scale_learning_rate(0.3, base, new,
                                                      rule="linear"),
                0.3 * new / base)
            self.assertAllClose(
                kerastricks.utils.scale_learning_rate(0.3, base, new,
                                                      rule="sqrt"),
                0.3 * math.sqrt(new / base))


@pytest.mark.large
class ScaleLearningRateConvergenceTest(testing.TestCase):
    def test_sqrt_rule_keeps_adam_stable_on_a_noisy_quadratic(self):
        # Noisy quadratic: minimize |w - w*|^2 from minibatch estimates.
        rng = np.random.default_rng(0)
        target = rng.normal(size=(20, 1)).astype("float32")
        x = rng.normal(size=(4096, 20)).astype("float32")
        y = x @ target + rng.normal(scale=0.5, size=(4096, 1))
        finals = {}
        for rule in ("sqrt", "linear"):
            for batch in (32, 512):
                lr = kerastricks.utils.scale_learning_rate(0.01, 32, batch,
                                                           rule=rule)
                model = keras.Sequential([keras.Input((20,)),
                                          keras.layers.Dense(1)])
                model.compile(optimizer=keras.optimizers.Adam(lr),
                              loss="mse")
                history = model.fit(x, y, batch_size=batch, epochs=3,
                                    verbose=0)
                finals[rule, batch] = history.history["loss"][-1]
        self.assertLess(finals["sqrt", 512], 1.5 * finals["sqrt", 32] + 0.5)
