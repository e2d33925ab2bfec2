import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import rotation_views as reference


def _cnn():
    """A small CNN that is not invariant by itself (Flatten keeps where
    each feature is)."""
    return keras.Sequential([keras.Input((6, 6, 2)),
                             keras.layers.Conv2D(3, 3, activation="relu"),
                             keras.layers.Flatten(),
                             keras.layers.Dense(4)])


class RotationViewPoolingTest(testing.TestCase):
    def test_invalid_args(self):
        cls = kerastricks.layers.RotationViewPooling
        with self.assertRaisesRegex(ValueError, "data_format='nchw'"):
            cls(keras.layers.Dense(2), data_format="nchw")
        with self.assertRaisesRegex(ValueError, "square images"):
            cls(keras.layers.Conv2D(2, 3))(np.ones((1, 4, 6, 2), "float32"))

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.RotationViewPooling(
            keras.layers.Conv2D(2, 3), data_format="channels_first"))

    def test_correctness_against_reference(self):
        x = np.random.default_rng(0).normal(size=(2, 6, 6, 2)).astype(
            "float32")
        cnn = _cnn()
        pooled = kerastricks.layers.RotationViewPooling(cnn)(x)
        expected = reference.np_rotation_view_average(
            lambda v: keras.ops.convert_to_numpy(
                cnn(np.ascontiguousarray(v))), x)
        self.assertAllClose(pooled, expected, atol=1e-5, rtol=1e-5)

    def test_exactly_invariant_to_rotations_and_flips(self):
        x = np.random.default_rng(1).normal(size=(2, 6, 6, 2)).astype(
            "float32")
        cnn = _cnn()
        pooled = kerastricks.layers.RotationViewPooling(cnn)
        reference_output = keras.ops.convert_to_numpy(pooled(x))
        for view in reference.np_dihedral_views(x)[1:]:
            view = np.ascontiguousarray(view)
            self.assertAllClose(pooled(view), reference_output, atol=1e-5,
                                rtol=1e-5)
            # ... while the wrapped CNN alone sees a different image.
            self.assertFalse(np.allclose(keras.ops.convert_to_numpy(cnn(view)),
                                         keras.ops.convert_to_numpy(cnn(x)),
                                         atol=1e-3))

    def test_channels_first_matches_channels_last(self):
        x = np.random.default_rng(2).normal(size=(1, 4, 4, 3)).astype(
            "float32")
        conv = keras.layers.Conv2D(2, 3)
        last = kerastricks.layers.RotationViewPooling(
            keras.Sequential([conv, keras.layers.GlobalMaxPooling2D()]))(x)
        first_conv = keras.layers.Conv2D(2, 3, data_format="channels_first")
        first_conv.build((None, 3, 4, 4))
        first_conv.set_weights(conv.get_weights())
        first = kerastricks.layers.RotationViewPooling(
            keras.Sequential([first_conv, keras.layers.GlobalMaxPooling2D(
                data_format="channels_first")]),
            data_format="channels_first")(np.transpose(x, (0, 3, 1, 2)))
        self.assertAllClose(first, last, atol=1e-5, rtol=1e-5)
