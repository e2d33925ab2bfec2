import numpy as np
import pytest

import kerastricks
from kerastricks import testing
from kerastricks.recipes.char_transformer.char_transformer import (
    CharTransformerRecipe,
)

pytestmark = [pytest.mark.requires_trainable_backend]

PROBLEM = {"sequence_length": 8, "max_characters": 2000}
TINY = {"transformer_dim": 32, "transformer_layers": 1,
        "transformer_heads": 2, "logit_z_loss": False}


class CharTransformerMupTest(testing.TestCase):
    def test_mup_model_and_optimizer(self):
        recipe = CharTransformerRecipe(**PROBLEM, parametrization="mup",
                                       base_width=8)
        recipe.set_hyperparameters(**TINY)
        model = recipe.build(recipe.hyperparameters)
        layers = {type(layer).__name__ for layer in model.layers}
        self.assertIn("MuReadout", layers)
        self.assertIn("MuMultiHeadAttention", layers)
        self.assertNotIn("QKNormMultiHeadAttention", layers)
        optimizer = model.optimizer
        if not isinstance(optimizer, kerastricks.optimizers.MuOptimizer):
            optimizer = optimizer.inner_optimizer  # mixed precision
        self.assertIsInstance(optimizer, kerastricks.optimizers.MuOptimizer)
        # Width 32 over base 8: Adam's hidden matrices get 8/32.
        self.assertEqual(sorted(set(
            optimizer.learning_rate_multipliers.values())), [0.25, 1.0])
        x = np.random.default_rng(0).integers(0, 256, (4, 8))
        loss = model.train_on_batch(x, x)
        self.assertTrue(np.all(np.isfinite(loss)))

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "base_width=None"):
            CharTransformerRecipe(parametrization="mup")
        with self.assertRaisesRegex(ValueError, "parametrization"):
            CharTransformerRecipe(parametrization="ntk")
        recipe = CharTransformerRecipe(**PROBLEM, parametrization="mup",
                                       base_width=7)
        recipe.set_hyperparameters(**TINY)
        with self.assertRaisesRegex(ValueError, "base_width=7 must be "
                                    "divisible by transformer_heads=2"):
            recipe.build(recipe.hyperparameters)
