import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.optimizers.reference_steps import run_against_reference
from tests.references import tfa_optimizers as reference


class AdanTest(testing.TestCase):
    def test_invalid_args(self):
        for kwargs, name in (
            ({"beta_1": 1.0}, "beta_1"),
            ({"beta_2": -0.1}, "beta_2"),
            ({"beta_3": 1.0}, "beta_3"),
            ({"epsilon": 0.0}, "epsilon"),
            ({"max_grad_norm": -1.0}, "max_grad_norm"),
            ({"weight_decay": -1.0}, "weight_decay"),
        ):
            with self.assertRaisesRegex(ValueError, f"{name}="):
                kerastricks.optimizers.Adan(**kwargs)
        with self.assertRaisesRegex(TypeError, "no_prox"):
            kerastricks.optimizers.Adan(no_prox="yes")
        with self.assertRaisesRegex(ValueError, "global_clipnorm=1.0"):
            kerastricks.optimizers.Adan(max_grad_norm=2.0,
                                        global_clipnorm=1.0)

    def test_config(self):
        optimizer = kerastricks.optimizers.Adan(
            learning_rate=0.01, beta_1=0.9, beta_2=0.8, beta_3=0.95,
            epsilon=1e-7, max_grad_norm=1.5, no_prox=True, weight_decay=0.02)
        revived = self.run_serialization_test(optimizer)
        for name in ("beta_1", "beta_2", "beta_3", "epsilon",
                     "max_grad_norm", "no_prox", "weight_decay",
                     "global_clipnorm"):
            self.assertEqual(getattr(revived, name), getattr(optimizer, name))

    @parameterized.named_parameters(
        ("proximal_clipped", False, 1.0), ("no_prox", True, 0.0))
    def test_correctness_against_reference(self, no_prox, max_grad_norm):
        # Gradients of norm ~3 against max_grad_norm 1: clipping is active.
        kwargs = {"learning_rate": 0.1, "no_prox": no_prox,
                  "max_grad_norm": max_grad_norm, "weight_decay": 0.1}
        run_against_reference(self, kerastricks.optimizers.Adan(**kwargs),
                              reference.adan(**kwargs), steps=8)

    def test_first_step_has_no_gradient_difference(self):
        # At t = 1 the difference term is 0 and the bias corrections cancel:
        # the step is lr * g / (|g| + epsilon), a signed learning rate.
        variable = keras.Variable(np.zeros(2, "float32"))
        optimizer = kerastricks.optimizers.Adan(learning_rate=0.1)
        optimizer.apply_gradients(
            [(keras.ops.convert_to_tensor([3.0, -0.5]), variable)])
        self.assertAllClose(variable, [-0.1, 0.1], atol=1e-6)
