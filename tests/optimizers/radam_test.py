import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.optimizers.reference_steps import run_against_reference
from tests.references import tfa_optimizers as reference


class RAdamTest(testing.TestCase):
    def test_invalid_args(self):
        for kwargs, name in (
            ({"beta_1": 1.0}, "beta_1"),
            ({"beta_2": -0.1}, "beta_2"),
            ({"epsilon": 0.0}, "epsilon"),
            ({"rectify_threshold": 3.9}, "rectify_threshold"),
            ({"weight_decay": -1.0}, "weight_decay"),
            ({"learning_rate": -0.1}, "learning_rate"),
        ):
            with self.assertRaisesRegex(ValueError, f"{name}="):
                kerastricks.optimizers.RAdam(**kwargs)
        with self.assertRaisesRegex(TypeError, "degenerated_to_sgd"):
            kerastricks.optimizers.RAdam(degenerated_to_sgd="yes")

    def test_config(self):
        optimizer = kerastricks.optimizers.RAdam(
            learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7,
            rectify_threshold=4.5, degenerated_to_sgd=False,
            weight_decay=1e-4)
        revived = self.run_serialization_test(optimizer)
        for name in ("beta_1", "beta_2", "epsilon", "rectify_threshold",
                     "degenerated_to_sgd", "weight_decay"):
            self.assertEqual(getattr(revived, name), getattr(optimizer, name))

    @parameterized.named_parameters(
        ("code_threshold", True, 0.1, 5.0),
        ("paper_threshold_skipping", False, 0.1, 4.0))
    def test_correctness_against_reference(self, degenerated_to_sgd,
                                           weight_decay, rectify_threshold):
        # beta_2 = 0.9: rho_t passes 4 at step 5 and 5 at step 6, so both
        # thresholds and both branches are exercised within 8 steps.
        kwargs = {"learning_rate": 0.1, "beta_2": 0.9,
                  "degenerated_to_sgd": degenerated_to_sgd,
                  "weight_decay": weight_decay,
                  "rectify_threshold": rectify_threshold}
        run_against_reference(self, kerastricks.optimizers.RAdam(**kwargs),
                              reference.radam(**kwargs), steps=8)

    def test_first_steps_are_momentum_sgd(self):
        # rho_1 = 1 < 5: the first step is w - lr * m_1 / (1 - beta_1) =
        # w - lr * g, whatever the gradient's scale.
        variable = keras.Variable(np.zeros(2, "float32"))
        optimizer = kerastricks.optimizers.RAdam(learning_rate=0.1)
        optimizer.apply_gradients(
            [(keras.ops.convert_to_tensor([1e-3, -50.0]), variable)])
        self.assertAllClose(variable, [-1e-4, 5.0])
