
import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow_datasets as tfds

import kerastricks
from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes.contrastive import ContrastiveRecipe
from kerastricks.recipes.contrastive.contrastive import LinearProbe
from kerastricks.recipes.contrastive.contrastive import encoder_of

pytestmark = [pytest.mark.requires_trainable_backend]

TINY = {"encoder_width": 16, "embedding_dim": 32, "projection_dim": 16}


class ContrastiveRecipeTest(testing.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.x = rng.uniform(size=(24, 8, 8, 1)).astype("float32")
        self.y = (np.arange(24) % 3).astype("int32")

    def test_recipe(self):
        recipe = self.run_recipe_test(
            ContrastiveRecipe, {"num_classes": 3}, self.x, self.y,
            overrides={**TINY, "objective": "nt_xent"},
        )
        self.assertEqual(recipe.objective, ("val_probe_accuracy", "max"))

    @pytest.mark.requires_tuner
    def test_search(self):
        self.run_search_test(
            ContrastiveRecipe, {"num_classes": 3}, self.x, self.y,
            keras_tuner.RandomSearch,
        )

    def test_two_views_and_labels(self):
        model = recipes.load("contrastive", preset="supervised_contrastive",
                             num_classes=3, **TINY)
        self.assertIsInstance(model.loss,
                              kerastricks.losses.SupervisedContrastiveLoss)
        projections = model(self.x[:4], training=True)
        self.assertEqual(tuple(projections.shape), (8, 16))
        # Augmentation makes the two views of an image differ in training
        # and agree at inference.
        self.assertFalse(np.allclose(
            keras.ops.convert_to_numpy(projections[:4]),
            keras.ops.convert_to_numpy(projections[4:])))
        inference = model(self.x[:4], training=False)
        self.assertAllClose(inference[:4], inference[4:], atol=1e-6)
        loss = model.compute_loss(y=self.y[:4], y_pred=projections)
        expected = model.loss(np.concatenate([self.y[:4]] * 2), projections)
        self.assertAllClose(loss, expected, atol=1e-5)

    def test_linear_probe_logs_accuracy(self):
        model = recipes.load("contrastive", preset="from_scratch",
                             num_classes=3, **TINY)
        probe = LinearProbe((self.x, self.y), (self.x, self.y), encoder_of)
        history = model.fit(self.x, self.y, epochs=1, verbose=0,
                            callbacks=[probe])
        for key in ("probe_accuracy", "val_probe_accuracy"):
            self.assertBetween(history.history[key][0], 0.0, 1.0)
        # Separable embeddings: the probe must reach 100% on them.
        identity = keras.Sequential([
            keras.Input((2,)),
            keras.Sequential([keras.layers.Identity()], name="encoder"),
        ])
        points = np.array([[0, 0], [0, 1], [5, 5], [5, 6]], "float32")
        labels = np.array([0, 0, 1, 1])
        probe = LinearProbe((points, labels), (points, labels), encoder_of)
        probe.set_model(identity)
        self.assertEqual(probe.evaluate()["val_probe_accuracy"], 1.0)

    def test_tfds(self):
        recipe = ContrastiveRecipe()
        with tfds.testing.mock_data(num_examples=8):
            splits = recipe.load_data("tfds:mnist")
        self.assertEqual(splits["train"][0].shape[1:], (28, 28, 1))
        self.assertEqual(recipe.input_shape, (28, 28, 1))

    def test_bad_input(self):
        with self.assertRaisesRegex(ValueError, "input_shape"):
            ContrastiveRecipe(input_shape=(8, 8))
        with self.assertRaisesRegex(ValueError, "must be one of"):
            recipes.load("contrastive", objective="triplet")
        with self.assertRaisesRegex(ValueError, "input_shape=\\(4, 4, 1\\)"):
            ContrastiveRecipe(input_shape=(4, 4, 1)).load_data()
