"""Recipes train under `keras.distribution.DataParallel` (JAX) and
`tf.distribute.MirroredStrategy` (TensorFlow) to the same weights as on one
device, on virtual CPU devices."""

import os
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from kerastricks import testing
from kerastricks.recipes.image_classifier import ImageClassifierRecipe

pytestmark = [pytest.mark.requires_trainable_backend]

ROOT = pathlib.Path(__file__).resolve().parents[2]
TINY = {"resnet_width": 16, "resnet_stages": 1, "optimizer": "adam"}


def _train(distribution, x, y):
    keras.utils.set_random_seed(0)
    recipe = ImageClassifierRecipe(distribution=distribution)
    recipe.set_hyperparameters(**TINY)
    model = recipe.build(recipe.hyperparameters)
    recipe.fit(recipe.hyperparameters, model, x, y, epochs=2, batch_size=8,
               shuffle=False, verbose=0)
    return model.get_weights()


class DistributionTest(testing.TestCase):
    def test_data_parallel_on_jax(self):
        devices = self.data_parallel_devices()
        rng = np.random.default_rng(0)
        x = rng.uniform(size=(16, 8, 8, 1)).astype("float32")
        y = rng.integers(0, 10, size=(16,)).astype("int32")
        single = _train(None, x, y)
        parallel = _train(keras.distribution.DataParallel(devices=devices),
                          x, y)
        # BatchNorm statistics are over the global batch: same weights, up
        # to float32 rounding. The four devices sum their gradients in
        # another order than one device, and Adam divides each step by the
        # root of the second moment, so the rounding of small gradients
        # shows in the weights (1.3e-5 on one weight of 2,304, with XLA's
        # unoptimized CPU code).
        self.assertAllClose(parallel, single, atol=1e-4, rtol=1e-4)

    def test_mirrored_strategy_on_tensorflow(self):
        if keras.config.backend() != "tensorflow":
            self.skipTest("tf.distribute is tested on the TensorFlow backend")
        # Virtual CPU devices must exist before TensorFlow initializes, so
        # this runs in a fresh process.
        script = textwrap.dedent("""
            import numpy as np
            import tensorflow as tf
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
            from tests.recipes.distribution_test import _train
            rng = np.random.default_rng(0)
            x = rng.uniform(size=(16, 8, 8, 1)).astype("float32")
            y = rng.integers(0, 10, size=(16,)).astype("int32")
            single = _train(None, x, y)
            strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
            assert strategy.num_replicas_in_sync == 2
            mirrored = _train(strategy, x, y)
            for a, b in zip(mirrored, single):
                np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-4)
            print("MIRRORED OK", len(single))
        """)
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True,
            text=True, timeout=300,
            env=dict(os.environ, KERAS_BACKEND="tensorflow"),
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("MIRRORED OK", result.stdout)
