import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import sets as reference


def _built(features=4, seed=0):
    layer = kerastricks.layers.AttentionalSetPooling()
    layer.build((None, None, features))
    rng = np.random.default_rng(seed)
    layer.kernel.assign(rng.normal(size=(features, features)).astype(
        "float32"))
    return layer


class AttentionalSetPoolingTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.AttentionalSetPooling
        with self.assertRaisesRegex(ValueError, "rank 3"):
            layer_cls()(np.ones((2, 4), "float32"))
        with self.assertRaisesRegex(TypeError, "dtype int32"):
            layer_cls()(np.ones((2, 3, 4), "int32"))
        with self.assertRaisesRegex(ValueError, r"\(2, 3\).*\(2, 4\)"):
            layer_cls()(np.ones((2, 3, 4), "float32"),
                        mask=np.ones((2, 4), bool))
        with self.assertRaisesRegex(ValueError, "Could not interpret"):
            layer_cls(kernel_initializer="no_such_initializer")

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.AttentionalSetPooling(
            kernel_initializer="zeros", name="views"))

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(3, 5, 4)).astype("float32")
        mask = rng.uniform(size=(3, 5)) > 0.4
        mask[:, 0] = True
        layer = _built()
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        self.assertAllClose(
            layer(x), reference.np_attentional_set_pooling(x, kernel),
            atol=1e-6, rtol=1e-5)
        self.assertAllClose(
            layer(x, mask=mask),
            reference.np_attentional_set_pooling(x, kernel, mask),
            atol=1e-6, rtol=1e-5)

    def test_permutation_invariance_and_single_element(self):
        rng = np.random.default_rng(2)
        x = rng.normal(size=(2, 6, 4)).astype("float32")
        layer = _built()
        order = rng.permutation(6)
        # The sum's order changes, so equal up to float32 rounding.
        self.assertAllClose(layer(x[:, order]), layer(x))
        # A set of one element is that element, exactly.
        self.assertAllEqual(layer(x[:, :1]), x[:, 0])

    def test_padded_elements_are_ignored(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(2, 3, 4)).astype("float32")
        padded = np.concatenate(
            [x, np.full((2, 2, 4), 1e4, "float32")], axis=1)
        mask = np.array([[True] * 3 + [False] * 2] * 2)
        layer = _built()
        expected = keras.ops.convert_to_numpy(layer(x))
        self.assertAllClose(layer(padded, mask=mask), expected)
        # Keras masking: padding rows of zeros after a Masking layer.
        zero_padded = np.concatenate([x, np.zeros((2, 2, 4), "float32")], 1)
        inputs = keras.Input((None, 4))
        pooled = layer(keras.layers.Masking(0.0)(inputs))
        self.assertAllClose(keras.Model(inputs, pooled)(zero_padded),
                            expected)
        # A set with no kept element pools to zeros.
        self.assertAllEqual(layer(padded, mask=np.zeros((2, 5), bool)),
                            np.zeros((2, 4)))
