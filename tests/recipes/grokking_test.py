import functools

import keras_tuner
import numpy as np
import pytest

import kerastricks
from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes.grokking import GrokkingRecipe

pytestmark = [pytest.mark.requires_trainable_backend]


class GrokkingRecipeTest(testing.TestCase):
    def setUp(self):
        super().setUp()
        splits = GrokkingRecipe(modulus=5).load_data()
        self.x, self.y = splits["train"]

    def test_recipe(self):
        self.run_recipe_test(
            GrokkingRecipe, {"modulus": 5}, self.x, self.y,
            overrides={"loss": "stablemax_cross_entropy",
                       "orthograd": False, "mlp_hidden_units": 50},
        )

    def test_transformer(self):
        recipe = GrokkingRecipe(modulus=5).set_hyperparameters(
            model="transformer", transformer_dim=64,
            transformer_ff_units=64,
        )
        model = recipe.build(recipe.hyperparameters)
        model.train_on_batch(self.x, self.y)
        self.assertEqual(model.predict(self.x, verbose=0).shape,
                         (len(self.x), 5))

    @pytest.mark.requires_tuner
    def test_search(self):
        self.run_search_test(
            GrokkingRecipe, {"modulus": 5}, self.x, self.y,
            functools.partial(
                keras_tuner.RandomSearch,
                hyperparameters=_mlp_only(), tune_new_entries=True,
            ),
        )

    def test_data(self):
        splits = GrokkingRecipe().load_data(seed=3)
        x_train, y_train = splits["train"]
        x_val, y_val = splits["validation"]
        # The paper's split: 40% of 113 * 113 pairs.
        self.assertEqual((len(x_train), len(x_val)), (5108, 7661))
        self.assertAllEqual(y_train, (x_train[:, 0] + x_train[:, 1]) % 113)
        pairs = {tuple(p) for p in np.concatenate([x_train, x_val])}
        self.assertLen(pairs, 113 * 113)

    def test_presets_match_the_paper(self):
        presets = GrokkingRecipe.presets
        self.assertEqual(
            sorted(presets), ["orthograd", "softmax_ce_adamw",
                              "stablemax_no_wd"])
        orthograd = GrokkingRecipe.from_preset("orthograd")
        model = orthograd.build(orthograd.hyperparameters)
        self.assertIsInstance(model.optimizer,
                              kerastricks.optimizers.OrthoGrad)
        self.assertEqual(model.optimizer.optimizer.weight_decay, 0.0)
        stablemax = recipes.load("grokking", preset="stablemax_no_wd")
        self.assertIsInstance(stablemax.loss,
                              kerastricks.losses.StableMaxCrossEntropy)

    def test_summarize(self):
        summary = GrokkingRecipe().summarize(
            {"loss": [1, 1, 1], "accuracy": [0.5, 1, 1],
             "val_accuracy": [0.1, 0.995, 1.0]})
        self.assertEqual(summary["steps_to_99_val_accuracy"], 2)
        never = GrokkingRecipe().summarize(
            {"loss": [1], "accuracy": [1], "val_accuracy": [0.5]})
        self.assertIsNone(never["steps_to_99_val_accuracy"])

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "train_fraction"):
            GrokkingRecipe(train_fraction=1.5)
        with self.assertRaisesRegex(ValueError, "Available presets"):
            GrokkingRecipe.from_preset("no_such_preset")
        with self.assertRaisesRegex(ValueError, "must be one of"):
            GrokkingRecipe().set_hyperparameters(loss="mse")
        with self.assertRaisesRegex(ValueError, "cannot load TFDS"):
            GrokkingRecipe().load_data("tfds:mnist")
        bad = {"train": (np.zeros((4, 3), "int32"), np.zeros(4)),
               "validation": (np.zeros((4, 3), "int32"), np.zeros(4))}
        with self.assertRaisesRegex(ValueError, "shape"):
            GrokkingRecipe().check_data(bad)


def _mlp_only():
    hp = keras_tuner.HyperParameters()
    hp.Fixed("model", "mlp")
    return hp
