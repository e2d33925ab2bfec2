import keras
import numpy as np

import kerastricks
from kerastricks import testing


def batchnorm_cnn():
    inner = keras.Sequential([
        keras.Input((6, 6, 4)),
        keras.layers.Conv2D(4, 3, padding="same"),
        keras.layers.BatchNormalization(),
    ])
    return keras.Sequential([
        keras.Input((6, 6, 2)),
        keras.layers.Conv2D(4, 3, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        inner,  # a nested model: its BatchNorm counts too
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3),
    ])


class TrainOnlyBatchNormTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(TypeError, "keras.Model"):
            kerastricks.utils.train_only_batchnorm(keras.layers.Dense(2))
        with self.assertRaisesRegex(TypeError, "train_output_layer"):
            kerastricks.utils.train_only_batchnorm(batchnorm_cnn(), "yes")
        with self.assertRaisesRegex(ValueError, "must be built"):
            kerastricks.utils.train_only_batchnorm(
                keras.Sequential([keras.layers.Dense(2)]))

    def test_basics(self):
        model = batchnorm_cnn()
        frozen = kerastricks.utils.train_only_batchnorm(model)
        # Conv kernels+biases (2 x 2) and the head (2) frozen; 2 BN x 2 kept.
        self.assertLen(frozen, 6)
        self.assertLen(model.trainable_weights, 4)
        self.assertTrue(all(v.name in ("gamma", "beta")
                            for v in model.trainable_weights))
        model = batchnorm_cnn()
        frozen = kerastricks.utils.train_only_batchnorm(
            model, train_output_layer=True)
        self.assertLen(frozen, 4)
        self.assertLen(model.trainable_weights, 6)

    def test_correctness_against_reference(self):
        # Only gamma/beta move in fit (moving statistics are not trainable
        # and may move); everything frozen stays bit-identical.
        model = batchnorm_cnn()
        frozen = kerastricks.utils.train_only_batchnorm(model)
        before = {id(v): keras.ops.convert_to_numpy(v) for v in model.weights}
        rng = np.random.default_rng(0)
        x = rng.normal(size=(8, 6, 6, 2)).astype("float32")
        y = rng.integers(0, 3, size=8)
        model.compile(optimizer=keras.optimizers.SGD(0.1),
                      loss=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True), jit_compile=testing.JIT_COMPILE)
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        for variable in frozen:
            self.assertAllEqual(variable, before[id(variable)])
        for variable in model.trainable_weights:
            self.assertFalse(np.array_equal(
                keras.ops.convert_to_numpy(variable), before[id(variable)]))
