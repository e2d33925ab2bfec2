import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.optimizers.reference_steps import run_against_reference
from tests.references import tfa_optimizers as reference


class AdaBeliefTest(testing.TestCase):
    def test_invalid_args(self):
        for kwargs, name in (
            ({"beta_1": 1.0}, "beta_1"),
            ({"beta_2": 1.5}, "beta_2"),
            ({"epsilon": -1e-16}, "epsilon"),
            ({"rectify_threshold": 3}, "rectify_threshold"),
            ({"weight_decay": -1.0}, "weight_decay"),
        ):
            with self.assertRaisesRegex(ValueError, f"{name}="):
                kerastricks.optimizers.AdaBelief(**kwargs)
        for name in ("rectify", "decoupled_weight_decay",
                     "degenerated_to_sgd"):
            with self.assertRaisesRegex(TypeError, name):
                kerastricks.optimizers.AdaBelief(**{name: 1})

    def test_config(self):
        optimizer = kerastricks.optimizers.AdaBelief(
            learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-8,
            decoupled_weight_decay=False, rectify=True, rectify_threshold=6,
            degenerated_to_sgd=False, weight_decay=1e-4)
        revived = self.run_serialization_test(optimizer)
        for name in ("beta_1", "beta_2", "epsilon", "decoupled_weight_decay",
                     "rectify", "rectify_threshold", "degenerated_to_sgd",
                     "weight_decay"):
            self.assertEqual(getattr(revived, name), getattr(optimizer, name))

    @parameterized.named_parameters(
        ("paper", False, True, True),
        ("rectified_l2_skipping", True, False, False),
        ("rectified_decoupled", True, True, True))
    def test_correctness_against_reference(self, rectify,
                                           decoupled_weight_decay,
                                           degenerated_to_sgd):
        kwargs = {"learning_rate": 0.1, "beta_2": 0.9, "epsilon": 1e-8,
                  "rectify": rectify, "weight_decay": 0.1,
                  "decoupled_weight_decay": decoupled_weight_decay,
                  "degenerated_to_sgd": degenerated_to_sgd}
        run_against_reference(
            self, kerastricks.optimizers.AdaBelief(**kwargs),
            reference.adabelief(**kwargs), steps=8)

    def test_epsilon_accumulates_in_the_belief(self):
        # A constant gradient has no surprise: g - m shrinks geometrically,
        # so after t steps s_t is epsilon * sum_j beta_2**j plus that tiny
        # residual, the epsilon the paper adds inside s_t on every step.
        optimizer = kerastricks.optimizers.AdaBelief(
            learning_rate=0.0, beta_1=0.0, epsilon=1e-3)
        variable = keras.Variable(np.zeros(1, "float32"))
        for _ in range(3):
            optimizer.apply_gradients(
                [(keras.ops.convert_to_tensor([2.0]), variable)])
        belief, = [v for v in optimizer.variables
                   if v.name.endswith("_belief")]
        self.assertAllClose(belief, [1e-3 * (1 + 0.999 + 0.999**2)],
                            rtol=1e-6, atol=0)
