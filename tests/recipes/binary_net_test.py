import functools

import keras
import keras_tuner
import numpy as np
import pytest

import kerastricks
from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes import runner
from kerastricks.recipes.binary_net import BinaryNetRecipe
from tests.references import binary_estimators as reference

pytestmark = [pytest.mark.requires_trainable_backend]

TINY = {"binary_width": 16, "binary_blocks": 1}


class BinaryNetRecipeTest(testing.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.x = rng.uniform(size=(16, 6, 6, 1)).astype("float32")
        self.y = rng.integers(0, 3, size=(16,)).astype("int32")
        self.problem = {"input_shape": (6, 6, 1), "num_classes": 3}

    def test_recipe(self):
        self.run_recipe_test(
            BinaryNetRecipe, self.problem, self.x, self.y,
            overrides={**TINY, "estimator": "biper", "biper_omega": 10.0,
                       "kernel_scale": "learned"})

    @pytest.mark.requires_tuner
    def test_search(self):
        hp = keras_tuner.HyperParameters()
        for name, value in TINY.items():
            hp.Fixed(name, value)
        self.run_search_test(
            BinaryNetRecipe, self.problem, self.x, self.y,
            functools.partial(keras_tuner.RandomSearch, hyperparameters=hp,
                              tune_new_entries=True))

    def test_presets_select_the_estimators(self):
        for preset, expected in (
                ("binary_net_ste", {"estimator": "ste", "threshold": 1.0}),
                ("binary_net_reste", {"estimator": "reste", "threshold": 1.5,
                                      "root_degree": 1.0}),
                ("binary_net_biper", {"estimator": "biper",
                                      "omega": 20.0})):
            recipe = BinaryNetRecipe.from_preset(preset, **TINY)
            arguments = recipe.binary_layer_arguments(
                recipe.default_values())
            self.assertEqual(
                arguments, {**expected, "binary_activations": True,
                            "kernel_scale": "channel"})
        model = recipes.load("binary_net", preset="binary_net_biper", **TINY)
        # A real-valued stem and head around the binary body.
        self.assertIsInstance(model.layers[1], keras.layers.Conv2D)
        self.assertIsInstance(model.layers[-1], keras.layers.Dense)
        binary = [layer for layer in model.layers
                  if isinstance(layer, kerastricks.layers.BinaryConv2D)]
        self.assertEqual([layer.estimator for layer in binary], ["biper"])

    @pytest.mark.requires_tuner
    def test_resume_continues_the_reste_schedule(self):
        folder = self.make_temp_dir()
        path = f"{folder}/images.npz"
        np.savez(path, x=self.x, y=self.y)
        for epochs, resume in ((1, False), (2, True)):
            recipe = BinaryNetRecipe.from_preset("binary_net_reste", **TINY)
            runner.train(recipe, f"{folder}/run", epochs=epochs, data=path,
                         resume=resume, verbose=0)
        schedule = reference.np_reste_schedule([0, 1], 2)
        history = runner.read_history(f"{folder}/run/{runner.METRICS_FILE}")
        self.assertAllClose(history.history["reste_root_degree"], schedule)
        # The checkpoint holds o of the last epoch.
        model = recipe.build(recipe.hyperparameters)
        runner.restore_checkpoint(model,
                                  runner.checkpoints(f"{folder}/run")[2])
        stored = [layer.reste_root_degree for layer in model.layers
                  if isinstance(layer, kerastricks.layers.BinaryConv2D)]
        self.assertAllClose(stored, [schedule[1]])
