import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import layers as reference


class SpatialPyramidPooling2DTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.SpatialPyramidPooling2D
        # A bare int or None is the wrong type, not a wrong value.
        with self.assertRaisesRegex(TypeError, "bins=3"):
            layer_cls(bins=3)
        with self.assertRaisesRegex(TypeError, "bins=None"):
            layer_cls(bins=None)
        with self.assertRaisesRegex(ValueError, r"bins=\(\)"):
            layer_cls(bins=())
        with self.assertRaisesRegex(ValueError, "bins=0"):
            layer_cls(bins=(1, 0))
        with self.assertRaisesRegex(ValueError, "mode='median'"):
            layer_cls(mode="median")
        with self.assertRaisesRegex(ValueError, "data_format='nhwc'"):
            layer_cls(data_format="nhwc")
        with self.assertRaises(ValueError):
            layer_cls()(np.ones((2, 4, 3), "float32"))

    def test_config(self):
        self.run_serialization_test(
            kerastricks.layers.SpatialPyramidPooling2D(
                bins=(1, 3), mode="average", data_format="channels_first")
        )

    def test_basics(self):
        self.run_layer_test(
            kerastricks.layers.SpatialPyramidPooling2D,
            {"bins": (1, 2, 4)},
            np.random.default_rng(0).normal(size=(2, 7, 5, 3)).astype(
                "float32"),
            expected_output_shape=(2, 63),
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=0,
        )

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(1)
        for mode in ("max", "average"):
            for shape in ((2, 7, 5, 3), (1, 13, 9, 2), (1, 4, 4, 1)):
                x = rng.normal(size=shape).astype("float32")
                layer = kerastricks.layers.SpatialPyramidPooling2D(mode=mode)
                self.assertAllClose(
                    layer(x), reference.np_spatial_pyramid_pooling(x,
                                                                   mode=mode),
                    atol=1e-6, rtol=1e-6)
        x = rng.normal(size=(2, 6, 7, 3)).astype("float32")
        channels_first = kerastricks.layers.SpatialPyramidPooling2D(
            data_format="channels_first")
        self.assertAllClose(channels_first(np.transpose(x, (0, 3, 1, 2))),
                            reference.np_spatial_pyramid_pooling(x))

    def test_any_input_size_gives_the_same_length(self):
        inputs = keras.Input((None, None, 3))
        features = keras.layers.Conv2D(4, 3, padding="same")(inputs)
        outputs = kerastricks.layers.SpatialPyramidPooling2D()(features)
        self.assertEqual(tuple(outputs.shape), (None, 4 * 21))
        model = keras.Model(inputs, outputs)
        for size in ((5, 5), (8, 13), (17, 6)):
            result = model.predict(np.ones((2,) + size + (3,), "float32"),
                                   verbose=0)
            self.assertEqual(result.shape, (2, 84))
