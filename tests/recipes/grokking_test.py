import functools

import keras
import keras_tuner
import numpy as np
import pytest

import kerastricks
from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes import runner
from kerastricks.recipes.grokking import GrokkingRecipe
from kerastricks.recipes.grokking.grokking import float64_available

pytestmark = [pytest.mark.requires_trainable_backend]


class GrokkingRecipeTest(testing.TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def setUp(self):
        super().setUp()
        splits = GrokkingRecipe(modulus=5).load_data()
        self.x, self.y = splits["train"]

    def test_recipe(self):
        self.run_recipe_test(
            GrokkingRecipe, {"modulus": 5}, self.x, self.y,
            overrides={"loss": "stablemax_cross_entropy",
                       "orthograd": False, "mlp_hidden_units": 50},
            # Without float64 (JAX without x64) that preset refuses to
            # build; test_sgd_float64_preset checks the refusal.
            skip_presets=() if float64_available()
            else ("orthograd_sgd_stablemax_float64",),
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
            sorted(presets),
            ["orthograd", "orthograd_sgd_stablemax_float64",
             "softmax_ce_adamw", "softmax_ce_no_wd", "stablemax_no_wd"])
        orthograd = GrokkingRecipe.from_preset("orthograd")
        model = orthograd.build(orthograd.hyperparameters)
        self.assertIsInstance(model.optimizer,
                              kerastricks.optimizers.OrthoGrad)
        self.assertEqual(model.optimizer.optimizer.weight_decay, 0.0)
        stablemax = recipes.load("grokking", preset="stablemax_no_wd")
        self.assertIsInstance(stablemax.loss,
                              kerastricks.losses.StableMaxCrossEntropy)
        # The authors' plain AdamW: eps 1e-25, betas (0.9, 0.999).
        self.assertEqual(stablemax.optimizer.epsilon, 1e-25)
        self.assertEqual(stablemax.optimizer.beta_2, 0.999)
        if float64_available():
            self.assertEqual(stablemax.loss.dtype, "float64")

    def test_sgd_float64_preset(self):
        recipe = GrokkingRecipe.from_preset(
            "orthograd_sgd_stablemax_float64", modulus=5)
        if not float64_available():
            with self.assertRaisesRegex(ValueError, "JAX_ENABLE_X64"):
                recipe.build(recipe.hyperparameters)
            return
        model = recipe.build(recipe.hyperparameters)
        inner = model.optimizer.optimizer
        self.assertIsInstance(inner, keras.optimizers.SGD)
        self.assertEqual((float(inner.learning_rate), inner.momentum),
                         (10.0, 0.8))
        self.assertTrue(all(w.dtype == "float64" for w in model.weights))
        model.fit(self.x, self.y, epochs=1, verbose=0)
        self.assertAllFinite(model.predict(self.x, verbose=0))

    def test_steps_per_epoch_runs_full_batch_steps(self):
        recipe = GrokkingRecipe(modulus=5, steps_per_epoch=3)
        model = recipe.build(recipe.hyperparameters)
        self.assertEqual(model.steps_per_execution,
                         1 if keras.config.backend() == "torch" else 3)
        history = recipe.fit(recipe.hyperparameters, model, self.x, self.y,
                             epochs=2, verbose=0)
        self.assertEqual(int(model.optimizer.iterations), 6)
        self.assertLen(history.history["loss"], 2)
        # Each step saw the whole training set: the same steps by hand,
        # one full batch at a time, give the same weights.
        by_hand = GrokkingRecipe(modulus=5)
        reference = by_hand.build(by_hand.hyperparameters)
        for _ in range(6):
            reference.train_on_batch(self.x, self.y)
        for actual, expected in zip(model.weights, reference.weights):
            self.assertAllClose(actual, expected, atol=1e-5, rtol=1e-5)

    def test_run_folder_resumes_multi_step_epochs(self):
        recipe = GrokkingRecipe(modulus=5, steps_per_epoch=2)
        straight = self.tmp_path / "straight"
        runner.train(recipe, straight, epochs=3, verbose=0)
        resumed = self.tmp_path / "resumed"
        runner.train(recipe, resumed, epochs=2, verbose=0)
        summary = runner.train(recipe, resumed, epochs=3, resume=True,
                               verbose=0)
        self.assertEqual((summary["steps"], summary["epochs"]), (6, 3))
        last = {name: runner.read_checkpoint(
            runner.checkpoints(folder)[3]) for name, folder
            in (("straight", straight), ("resumed", resumed))}
        for key, value in last["straight"].items():
            self.assertAllClose(last["resumed"][key], value)

    def test_summarize(self):
        summary = GrokkingRecipe().summarize(
            {"loss": [1, 1, 1], "accuracy": [0.5, 1, 1],
             "val_accuracy": [0.1, 0.995, 1.0]})
        self.assertEqual(summary["steps_to_99_val_accuracy"], 2)
        never = GrokkingRecipe().summarize(
            {"loss": [1], "accuracy": [1], "val_accuracy": [0.5]})
        self.assertIsNone(never["steps_to_99_val_accuracy"])
        # Epochs of 100 steps: reached at the end of the second epoch.
        long = GrokkingRecipe(steps_per_epoch=100).summarize(
            {"loss": [1, 1], "accuracy": [1, 1],
             "val_accuracy": [0.2, 0.995]})
        self.assertEqual((long["steps_to_99_val_accuracy"], long["steps"]),
                         (200, 200))

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "train_fraction"):
            GrokkingRecipe(train_fraction=1.5)
        with self.assertRaisesRegex(ValueError, "steps_per_epoch=0"):
            GrokkingRecipe(steps_per_epoch=0)
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
