import functools
import os
import socket
import subprocess
import sys
import textwrap
from unittest import mock

import keras
import keras_tuner
import numpy as np
import pytest
import requests
import tensorflow_datasets as tfds

import kerastricks
from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes import runner
from kerastricks.recipes.image_classifier import ImageClassifierRecipe
from kerastricks.recipes.image_classifier.backbones import BACKBONES

pytestmark = [pytest.mark.requires_trainable_backend]

TINY = {"resnet_width": 16, "resnet_stages": 1}


class ImageClassifierRecipeTest(testing.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.x = rng.uniform(size=(16, 8, 8, 1)).astype("float32")
        self.y = rng.integers(0, 10, size=(16,)).astype("int32")

    def test_recipe(self):
        self.run_recipe_test(
            ImageClassifierRecipe, {}, self.x, self.y,
            overrides={**TINY, "optimizer": "sgdp", "pooling": "ggem",
                       "learning_rate": 0.1},
        )

    @pytest.mark.requires_tuner
    def test_search(self):
        hp = keras_tuner.HyperParameters()
        for name, value in {**TINY, "tract": False,
                            "wrapper": "none"}.items():
            hp.Fixed(name, value)
        self.run_search_test(
            ImageClassifierRecipe, {}, self.x, self.y,
            functools.partial(
                keras_tuner.RandomSearch, hyperparameters=hp,
                tune_new_entries=True),
        )

    def test_optimizers(self):
        for name, cls in (("adamp", kerastricks.optimizers.AdamP),
                          ("sgdp", kerastricks.optimizers.SGDP)):
            model = recipes.load("image_classifier", optimizer=name, **TINY)
            self.assertIsInstance(model.optimizer, cls)

    def test_techniques_switch_on(self):
        model = recipes.load("image_classifier", tract=True, **TINY)
        self.assertIsInstance(model.layers[1], kerastricks.layers.TrAct)
        model.train_on_batch(self.x, self.y)
        for wrapper, cls in (("sam", kerastricks.models.SAM),
                             ("saf", kerastricks.models.SAF),
                             ("mesa", kerastricks.models.MESA)):
            self.assertIsInstance(
                recipes.load("image_classifier", wrapper=wrapper, **TINY),
                cls)

    def test_backbones(self):
        # Every backbone of the registry builds and trains on the digits'
        # shape; TrAct belongs to the ResNet's stem only.
        self.assertEqual(sorted(BACKBONES),
                         ["poolformer", "resnet", "wavemix"])
        model = recipes.load("image_classifier", backbone="poolformer",
                             poolformer_width=16, poolformer_stages=2)
        blocks = [layer for layer in model.get_layer("poolformer").layers
                  if isinstance(layer, kerastricks.layers.MetaFormerBlock)]
        self.assertLen(blocks, 2)
        model.train_on_batch(self.x, self.y)
        self.assertEqual(model.predict(self.x, verbose=0).shape, (16, 10))
        recipe = ImageClassifierRecipe().set_hyperparameters(
            backbone="poolformer")
        values = recipe.default_values()
        self.assertNotIn("tract", values)
        self.assertNotIn("resnet_width", values)
        self.assertEqual(values["poolformer_patch_stride"], 1)
        recipe = ImageClassifierRecipe.from_preset(
            "image_classifier_poolformer")
        self.assertEqual(recipe.default_values()["backbone"], "poolformer")

    def test_wavemix_backbone(self):
        # The WaveMix trunk (stem and blocks, no classifier of its own)
        # feeds the recipe's shared head, trains, and survives a `.keras`
        # round trip.
        model = recipes.load("image_classifier", backbone="wavemix",
                             wavemix_channels=16, wavemix_depth=2,
                             wavemix_stem_strides=2, pooling="ggem",
                             ggem_groups=2)
        trunk = model.get_layer("wavemix")
        blocks = [layer for layer in trunk.layers
                  if isinstance(layer, kerastricks.layers.WaveMixBlock)]
        self.assertLen(blocks, 2)
        self.assertEqual(tuple(trunk.output.shape), (None, 2, 2, 16))
        self.assertNotIn("predictions",
                         [layer.name for layer in trunk.layers])
        model.train_on_batch(self.x, self.y)
        expected = model(self.x, training=False)
        self.assertEqual(tuple(expected.shape), (16, 10))
        path = os.path.join(self.make_temp_dir(), "wavemix.keras")
        model.save(path)
        restored = keras.saving.load_model(path)
        self.assertAllClose(restored(self.x, training=False), expected,
                            atol=1e-6)
        recipe = ImageClassifierRecipe().set_hyperparameters(
            backbone="wavemix")
        values = recipe.default_values()
        self.assertNotIn("tract", values)
        self.assertNotIn("poolformer_width", values)
        self.assertEqual(
            {name: values[name] for name in values
             if name.startswith("wavemix_")},
            {"wavemix_channels": 32, "wavemix_depth": 2,
             "wavemix_dropout": 0.5, "wavemix_stem_strides": 1})
        values = ImageClassifierRecipe.from_preset(
            "image_classifier_wavemix").default_values()
        self.assertEqual(
            (values["backbone"], values["wavemix_channels"],
             values["wavemix_depth"]), ("wavemix", 64, 3))

    def test_default_data_is_digits(self):
        recipe = ImageClassifierRecipe()
        splits = recipe.load_data()
        self.assertEqual(splits["train"][0].shape[1:], (8, 8, 1))
        self.assertEqual(len(splits["train"][0]) +
                         len(splits["validation"][0]), 1797)
        self.assertEqual((recipe.input_shape, recipe.num_classes),
                         ((8, 8, 1), 10))

    def test_tfds(self):
        recipe = ImageClassifierRecipe()
        with tfds.testing.mock_data(num_examples=8):
            splits = recipe.load_data("tfds:mnist")
        x, y = splits["train"]
        self.assertEqual(x.shape[1:], (28, 28, 1))
        self.assertEqual(x.dtype, np.float32)
        self.assertLessEqual(float(x.max()), 1.0)
        self.assertEqual(recipe.input_shape, (28, 28, 1))
        with self.assertRaisesRegex(ValueError, "no_such_dataset"):
            with tfds.testing.mock_data(num_examples=8):
                recipe.load_data("tfds:no_such_dataset")

    def test_tfds_builders_need_what_the_data_extra_installs(self):
        # A real (not mocked) load: TFDS's mnist builder imports
        # importlib_resources before it downloads anything.
        program = textwrap.dedent("""
            import sys
            sys.modules["importlib_resources"] = None
            from kerastricks.recipes import datasets
            datasets.load_tfds("mnist")
            """)
        result = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True,
            timeout=300,
            env=dict(os.environ, KERAS_BACKEND=keras.config.backend(),
                     TFDS_DATA_DIR=self.make_temp_dir()))
        last_line = result.stderr.strip().splitlines()[-1]
        self.assertIn("MissingDependencyError: Loading TFDS dataset 'mnist' "
                      "needs importlib_resources", last_line)
        self.assertTrue(last_line.endswith(
            "pip install 'kerastricks[data]'"), last_line)

    def test_tfds_without_network_says_it_cannot_download(self):
        def unreachable(*args, **kwargs):
            try:
                raise socket.gaierror(-2, "Name or service not known")
            except socket.gaierror as error:
                raise requests.exceptions.ConnectionError(
                    "HTTPSConnectionPool(host='storage.googleapis.com'): "
                    "Max retries exceeded") from error

        recipe = ImageClassifierRecipe()
        with mock.patch.object(tfds, "load", unreachable):
            with self.assertRaisesRegex(
                    ValueError, "Cannot download TFDS dataset 'mnist': the "
                                "network is unreachable"):
                recipe.load_data("tfds:mnist")

    def test_file(self):
        path = os.path.join(self.make_temp_dir(), "images.npz")
        np.savez(path, x=np.zeros((10, 6, 6, 3), "uint8"),
                 y=np.arange(10) % 3)
        recipe = ImageClassifierRecipe()
        splits = recipe.load_data(path)
        self.assertEqual(splits["train"][0].shape, (8, 6, 6, 3))
        self.assertEqual((recipe.input_shape, recipe.num_classes),
                         ((6, 6, 3), 3))
        model = recipe.build(recipe.hyperparameters)
        self.assertEqual(model.output_shape, (None, 3))

    def test_bad_data(self):
        recipe = ImageClassifierRecipe()
        with self.assertRaisesRegex(ValueError, "No such file"):
            recipe.load_data("/no/such/file.npz")
        path = os.path.join(self.make_temp_dir(), "flat.npz")
        np.savez(path, x=np.zeros((10, 5)), y=np.zeros(10))
        with self.assertRaisesRegex(ValueError, "shape"):
            recipe.load_data(path)
        with self.assertRaisesRegex(ValueError, "input_shape"):
            ImageClassifierRecipe(input_shape=(4, 4, 1)).load_data()
        with self.assertRaisesRegex(ValueError, "Available presets"):
            recipes.load("image_classifier", preset="hot")
        with self.assertRaisesRegex(ValueError, "must be one of"):
            recipes.load("image_classifier", optimizer="lion")

    def test_training_step_wrappers_in_a_run_folder(self):
        folder = self.make_temp_dir()
        path = os.path.join(folder, "images.npz")
        np.savez(path, x=self.x, y=self.y % 3)
        for wrapper, cls, knobs in (
            ("sam", kerastricks.models.SAM, {"sam_adaptive": True}),
            ("saf", kerastricks.models.SAF,
             {"saf_start_epoch": 0, "saf_lag_epochs": 1}),
            ("mesa", kerastricks.models.MESA, {"mesa_start_epoch": 0}),
        ):
            recipe = ImageClassifierRecipe().set_hyperparameters(
                **TINY, optimizer="adam", wrapper=wrapper, **knobs)
            directory = os.path.join(folder, wrapper)
            summary = runner.train(recipe, directory, epochs=2, batch_size=4,
                                   data=path, verbose=0)
            self.assertTrue(np.isfinite(summary["final_loss"]), wrapper)
            model = keras.saving.load_model(
                os.path.join(directory, runner.MODEL_FILE))
            self.assertIsInstance(model, cls)
            if wrapper == "saf":
                # The runner's batches carried the example indices: every
                # training example's logits were remembered.
                self.assertEqual(model.num_examples, 13)  # 80% of 16
                memory = keras.ops.convert_to_numpy(model.memory)
                self.assertEqual(
                    int(np.any(memory != 0, axis=-1).sum()), 2 * 13)
