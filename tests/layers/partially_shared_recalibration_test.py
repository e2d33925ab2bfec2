import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import partially_shared_recalibration as reference


class PartiallySharedRecalibrationTest(testing.TestCase):
    def test_invalid_args(self):
        cls = kerastricks.layers.PartiallySharedRecalibration
        with self.assertRaisesRegex(ValueError, "bottleneck_dim=0"):
            cls(bottleneck_dim=0)
        with self.assertRaisesRegex(TypeError, "bottleneck_dim=2.5"):
            cls(bottleneck_dim=2.5)

    def test_matches_reference(self):
        rng = np.random.default_rng(0)
        for shape in ((2, 5, 8), (2, 3, 4, 6)):
            layer = kerastricks.layers.PartiallySharedRecalibration(3)
            inputs = rng.normal(size=shape).astype("float32")
            features = rng.normal(size=shape).astype("float32")
            layer(inputs, features)
            weights = [rng.normal(scale=0.5, size=w.shape).astype("float32")
                       for w in layer.get_weights()]
            layer.set_weights(weights)
            self.assertAllClose(
                layer(inputs, features),
                reference.recalibrate(inputs, features, *weights))

    def test_zero_projections_pass_features_through(self):
        # With the scale and shift projections at zero the recalibration
        # is the identity on the branch output, whatever the input.
        rng = np.random.default_rng(1)
        inputs = rng.normal(size=(2, 5, 8)).astype("float32")
        features = rng.normal(size=(2, 5, 8)).astype("float32")
        layer = kerastricks.layers.PartiallySharedRecalibration(4)
        layer(inputs, features)
        down, scale, shift = layer.get_weights()
        layer.set_weights([down, np.zeros_like(scale), np.zeros_like(shift)])
        self.assertAllClose(layer(inputs, features), features)

    def test_default_initialization_is_small(self):
        # The official ViT initialization: truncated normal, std 0.02.
        layer = kerastricks.layers.PartiallySharedRecalibration()
        tokens = np.ones((1, 2, 64), "float32")
        layer(tokens, tokens)
        kernels = layer.get_weights()
        self.assertEqual([k.shape for k in kernels],
                         [(64, 16), (16, 64), (16, 64)])
        for kernel in kernels:
            self.assertLessEqual(float(np.abs(kernel).max()), 0.04 + 1e-6)
            self.assertAllClose(float(kernel.std()), 0.02, atol=0.006)

    def test_inside_a_frozen_block(self):
        # MP+ tunes only the recalibrations (and the head): in a pre-norm
        # block whose MLP is frozen, the recalibration's three kernels are
        # the block's only trainable weights, and training changes them.
        tokens = keras.Input((5, 8))
        norm = keras.layers.LayerNormalization(trainable=False)
        mlp = keras.layers.Dense(8, trainable=False)
        recalibration = kerastricks.layers.PartiallySharedRecalibration(4)
        outputs = keras.layers.Add()(
            [tokens, recalibration(tokens, mlp(norm(tokens)))])
        model = keras.Model(tokens, outputs)
        self.assertEqual(len(model.trainable_weights), 3)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        rng = np.random.default_rng(2)
        x = rng.normal(size=(4, 5, 8)).astype("float32")
        before = [w.copy() for w in mlp.get_weights()]
        scale_before = recalibration.get_weights()[1].copy()
        model.train_on_batch(x, np.zeros_like(x))
        for old, new in zip(before, mlp.get_weights()):
            self.assertAllClose(old, new)
        change = recalibration.get_weights()[1] - scale_before
        self.assertGreater(float(np.abs(change).max()), 0.0)
