import math
import os

import keras_tuner
import numpy as np
import pytest
import tensorflow_datasets as tfds

import kerastricks
from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes.char_transformer import CharTransformerRecipe
from kerastricks.recipes.char_transformer import learning_rate_sweep
from kerastricks.recipes.char_transformer import lr_sensitivity
from kerastricks.recipes.char_transformer import plot_learning_rate_sweep

pytestmark = [pytest.mark.requires_trainable_backend]

PROBLEM = {"sequence_length": 8, "max_characters": 2000}
TINY = {"transformer_dim": 32, "transformer_layers": 1,
        "transformer_heads": 2}


class CharTransformerRecipeTest(testing.TestCase):
    def setUp(self):
        super().setUp()
        splits = CharTransformerRecipe(**PROBLEM).load_data()
        self.x, self.y = splits["train"][0][:16], splits["train"][1][:16]

    def test_recipe(self):
        self.run_recipe_test(
            CharTransformerRecipe, PROBLEM, self.x, self.y,
            overrides={**TINY, "qk_norm": False,
                       "logit_z_loss_coefficient": 1e-3},
        )

    @pytest.mark.requires_tuner
    def test_search(self):
        self.run_search_test(CharTransformerRecipe, PROBLEM, self.x, self.y,
                             keras_tuner.RandomSearch)

    def test_mitigations_are_switched(self):
        model = recipes.load("char_transformer", **PROBLEM, **TINY)
        self.assertIsInstance(model.loss, kerastricks.losses.LogitZLoss)
        layers = [type(layer).__name__ for layer in model.layers]
        self.assertIn("QKNormMultiHeadAttention", layers)
        baseline = recipes.load("char_transformer",
                                preset="char_transformer_baseline",
                                **PROBLEM, **TINY)
        layers = [type(layer).__name__ for layer in baseline.layers]
        self.assertIn("MultiHeadAttention", layers)
        self.assertNotIn("QKNormMultiHeadAttention", layers)

    def test_default_data_is_stdlib_source(self):
        splits = CharTransformerRecipe(**PROBLEM).load_data()
        x, y = splits["train"]
        self.assertEqual(x.shape[1:], (8,))
        # Targets are the inputs shifted by one byte.
        self.assertAllEqual(x[:, 1:], y[:, :-1])
        text = bytes(x[0].astype("uint8")).decode("utf-8", "replace")
        self.assertIsInstance(text, str)

    def test_text_file_and_tfds(self):
        path = os.path.join(self.make_temp_dir(), "text.txt")
        with open(path, "w", encoding="utf-8") as file:
            file.write("hello world, " * 20)
        splits = CharTransformerRecipe(**PROBLEM).load_data(path)
        self.assertEqual(splits["train"][0].shape[1], 8)
        with tfds.testing.mock_data(num_examples=4):
            splits = CharTransformerRecipe(**PROBLEM).load_data(
                "tfds:tiny_shakespeare")
        self.assertEqual(splits["validation"][0].shape[1], 8)

    def test_bad_data(self):
        recipe = CharTransformerRecipe(**PROBLEM)
        path = os.path.join(self.make_temp_dir(), "short.txt")
        with open(path, "w", encoding="utf-8") as file:
            file.write("tiny")
        with self.assertRaisesRegex(ValueError, "at least 18 bytes"):
            recipe.load_data(path)
        binary = os.path.join(self.make_temp_dir(), "binary.bin")
        with open(binary, "wb") as file:
            file.write(b"\xff\xfe\x00" * 50)
        with self.assertRaisesRegex(ValueError, "UTF-8"):
            recipe.load_data(binary)
        with self.assertRaisesRegex(ValueError, "No such file"):
            recipe.load_data("missing.txt")
        bad = {"train": (np.zeros((2, 5)), np.zeros((2, 5))),
               "validation": (np.zeros((2, 5)), np.zeros((2, 5)))}
        with self.assertRaisesRegex(ValueError, "shape"):
            recipe.check_data(bad)

    def test_lr_sensitivity(self):
        # Hand-computed: capped losses [2, 3, 5] (nan -> 5) minus 2.
        self.assertAlmostEqual(
            lr_sensitivity([2.0, 3.0, math.nan], 5.0), (0 + 1 + 3) / 3)

    @pytest.mark.large
    def test_learning_rate_sweep(self):
        path = os.path.join(self.make_temp_dir(), "text.txt")
        with open(path, "w", encoding="utf-8") as file:
            file.write("abcdefgh " * 40)
        results = learning_rate_sweep(
            learning_rates=(1e-2, 1e-1), epochs=1, data=path,
            recipe_kwargs=PROBLEM, hyperparameters=TINY)
        self.assertEqual(sorted(results["final_loss"]),
                         ["baseline", "qk_norm + z_loss"])
        self.assertLen(results["final_loss"]["baseline"], 2)
        png = os.path.join(self.make_temp_dir(), "sweep.png")
        plot_learning_rate_sweep(results, png)
        self.assertGreater(os.path.getsize(png), 1000)
