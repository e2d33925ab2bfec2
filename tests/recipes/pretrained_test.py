"""The pretrained weights shipped in recipes/*/weights/ load on every
backend and are as good as the run that produced them
(shell/train_pretrained.sh)."""

import pytest

from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes import presets

pytestmark = [pytest.mark.requires_trainable_backend]

# recipe, preset, the least validation accuracy the shipped weights reach.
SHIPPED = (("grokking", "orthograd", 0.99),
           ("image_classifier", "image_classifier_baseline", 0.98))


class PretrainedTest(testing.TestCase):
    def test_shipped_weights_are_accurate(self):
        for recipe_name, preset, least_accuracy in SHIPPED:
            self.assertTrue(presets.has_weights(recipe_name, preset))
            recipe = recipes.create(recipe_name, preset=preset)
            x, y = recipe.load_data()["validation"]
            model = recipes.load(recipe_name, preset=preset, pretrained=True)
            _, accuracy = model.evaluate(x, y, verbose=0)
            self.assertGreaterEqual(accuracy, least_accuracy,
                                    msg=f"{recipe_name}/{preset}")
            untrained = recipes.load(recipe_name, preset=preset)
            self.assertLess(untrained.evaluate(x, y, verbose=0)[1], 0.5)

    def test_presets_without_weights_say_which_have_them(self):
        with self.assertRaisesRegex(ValueError,
                                    "Presets with weights: \\['orthograd'\\]"):
            recipes.load("grokking", preset="stablemax_no_wd",
                         pretrained=True)
        with self.assertRaisesRegex(ValueError, "preset=None"):
            recipes.load("grokking", pretrained=True)
