import os

import keras_tuner
import numpy as np
import pytest

import kerastricks
from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes.imbalanced_binary import ImbalancedBinaryRecipe
from kerastricks.recipes.metrics import ThresholdedBinaryMetric

pytestmark = [pytest.mark.requires_trainable_backend]

PROBLEM = {"num_features": 5}


class ImbalancedBinaryRecipeTest(testing.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(32, 5)).astype("float32")
        self.y = (self.x[:, 0] > 0.8).astype("int32")

    def test_recipe(self):
        self.run_recipe_test(
            ImbalancedBinaryRecipe, PROBLEM, self.x, self.y,
            overrides={"loss": "any_loss_balanced_accuracy",
                       "mlp_hidden_units": 8, "mlp_layers": 1},
        )

    @pytest.mark.requires_tuner
    def test_search(self):
        self.run_search_test(
            ImbalancedBinaryRecipe, PROBLEM, self.x, self.y,
            keras_tuner.RandomSearch,
        )

    def test_losses(self):
        model = recipes.load("imbalanced_binary", preset="any_loss_f1")
        self.assertIsInstance(model.loss, kerastricks.losses.AnyLoss)
        self.assertEqual(model.loss.metric, "f1")
        self.assertEqual(model.loss.amplifying_scale, 73.0)
        baseline = recipes.load("imbalanced_binary",
                                preset="binary_cross_entropy")
        self.assertEqual(type(baseline.loss).__name__, "BinaryCrossentropy")

    def test_default_data_is_imbalanced_breast_cancer(self):
        recipe = ImbalancedBinaryRecipe(positive_fraction=0.1)
        splits = recipe.load_data(seed=1)
        x_train, y_train = splits["train"]
        x_val, y_val = splits["validation"]
        # 357 benign kept; malignant subsampled to 10% of the examples.
        self.assertEqual(len(y_train) + len(y_val), 357 + 40)
        self.assertEqual(int(y_train.sum() + y_val.sum()), 40)
        self.assertEqual(int(y_val.sum()), 12)  # stratified 30%
        self.assertEqual(recipe.num_features, 30)
        self.assertAllClose(x_train.mean(axis=0), np.zeros(30), atol=1e-5)

    def test_files(self):
        folder = self.make_temp_dir()
        csv_path = os.path.join(folder, "table.csv")
        table = np.concatenate([self.x[:, :3], self.y[:, None]], axis=1)
        np.savetxt(csv_path, table, delimiter=",", header="a,b,c,label",
                   comments="")
        recipe = ImbalancedBinaryRecipe()
        splits = recipe.load_data(csv_path)
        self.assertEqual(recipe.num_features, 3)
        self.assertEqual(len(splits["train"][1]) +
                         len(splits["validation"][1]), 32)
        npz_path = os.path.join(folder, "table.npz")
        np.savez(npz_path, x=self.x, y=self.y)
        self.assertEqual(
            ImbalancedBinaryRecipe().load_data(npz_path)["train"][0].shape[1],
            5)

    def test_metric_matches_hand_count(self):
        metric = ThresholdedBinaryMetric("f1")
        metric.update_state(np.array([1, 1, 0, 0]),
                            np.array([0.9, 0.2, 0.7, 0.1]))
        # TP=1, FN=1, FP=1: F1 = 2 / 4.
        self.assertAllClose(metric.result(), 0.5, atol=1e-6)
        metric = ThresholdedBinaryMetric("balanced_accuracy")
        metric.update_state(np.array([1, 0, 0, 0]),
                            np.array([0.9, 0.2, 0.7, 0.1]))
        self.assertAllClose(metric.result(), 0.5 * (1 + 2 / 3), atol=1e-6)

    def test_bad_input(self):
        with self.assertRaisesRegex(ValueError, "positive_fraction"):
            ImbalancedBinaryRecipe(positive_fraction=0.7)
        folder = self.make_temp_dir()
        path = os.path.join(folder, "labels.npz")
        np.savez(path, x=self.x, y=np.arange(32) % 3)
        with self.assertRaisesRegex(ValueError, "0/1 labels"):
            ImbalancedBinaryRecipe().load_data(path)
        text = os.path.join(folder, "words.csv")
        with open(text, "w") as file:
            file.write("a,b\n1,x\n")
        with self.assertRaisesRegex(ValueError, "numbers only"):
            ImbalancedBinaryRecipe().load_data(text)
        with self.assertRaisesRegex(ValueError, "num_features=4"):
            ImbalancedBinaryRecipe(num_features=4).load_data()
        with self.assertRaisesRegex(ValueError, "must be one of"):
            ThresholdedBinaryMetric("auc")
