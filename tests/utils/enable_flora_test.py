import keras
import numpy as np

import kerastricks
from kerastricks import testing


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


def _nested_model():
    inner = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4),
                              keras.layers.BatchNormalization()])
    inputs = keras.Input((5,))
    outputs = keras.layers.Dense(2)(inner(inputs))
    return keras.Model(inputs, outputs)


class EnableFLoRATest(testing.TestCase):
    def test_invalid_args(self):
        enable = kerastricks.utils.enable_flora
        model = _nested_model()
        with self.assertRaisesRegex(ValueError, "rank=0"):
            enable(model, rank=0)
        with self.assertRaisesRegex(ValueError, "scale=0.0"):
            enable(model, scale=0.0)
        with self.assertRaisesRegex(TypeError, "keras.Model"):
            enable(keras.layers.Dense(2))
        with self.assertRaisesRegex(ValueError, "must be built"):
            enable(keras.Sequential([keras.layers.Dense(2)]))
        subclassed = _Subclassed()
        subclassed(np.ones((1, 3), "float32"))
        with self.assertRaisesRegex(ValueError, "subclassed"):
            enable(subclassed)

    def test_adapted_copy_of_nested_model(self):
        rng = np.random.default_rng(0)
        model = _nested_model()
        weights = [rng.normal(scale=0.5, size=w.shape).astype("float32")
                   for w in model.get_weights()]
        weights[5] = np.abs(weights[5]) + 0.5  # the BatchNorm variance
        model.set_weights(weights)
        original = [w.copy() for w in model.get_weights()]
        x = rng.normal(size=(8, 5)).astype("float32")
        y = rng.normal(size=(8, 2)).astype("float32")
        adapted = kerastricks.utils.enable_flora(model, rank=2, scale=2.0)
        self.assertAllEqual(adapted.predict(x, verbose=0),
                            model.predict(x, verbose=0))
        wrapped = [layer for layer in adapted._flatten_layers()
                   if isinstance(layer, kerastricks.layers.FLoRA)]
        self.assertLen(wrapped, 2)  # the nested Dense and the head
        self.assertTrue(all(layer.scale == 2.0 for layer in wrapped))
        # Only the cores and factors train: (2, 2) + (5, 2) + (4, 2) for
        # the nested Dense, (2, 2) + (4, 2) + (2, 2) for the head.
        self.assertEqual(sorted(tuple(w.shape)
                                for w in adapted.trainable_weights),
                         sorted([(2, 2), (5, 2), (4, 2), (2, 2), (4, 2),
                                 (2, 2)]))
        adapted.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        adapted.fit(x, y, epochs=2, batch_size=4, verbose=0)
        self.assertAllEqual(model.get_weights(), original)
        for layer in wrapped:
            self.assertGreater(
                float(np.abs(keras.ops.convert_to_numpy(layer.core)).max()),
                0.0)
        # The frozen base weights of the copy did not move either.
        base = [w for layer in wrapped for w in layer.layer.get_weights()]
        self.assertAllEqual(base, [original[0], original[1], original[-2],
                                   original[-1]])
