import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.layers.binary_dense_test import sgd_step
from tests.references import binary_estimators as reference

RNG = np.random.default_rng(1)
IMAGES = RNG.normal(size=(2, 6, 5, 3)).astype("float32")


class BinaryConv2DTest(testing.TestCase):
    def test_invalid_args(self):
        layers = kerastricks.layers
        with self.assertRaisesRegex(ValueError, "kernel_size=0"):
            layers.BinaryConv2D(4, 0)
        with self.assertRaisesRegex(ValueError, "padding='full'"):
            layers.BinaryConv2D(4, 3, padding="full")
        with self.assertRaisesRegex(ValueError, r"strides=\(1, 2, 3\)"):
            layers.BinaryConv2D(4, 3, strides=(1, 2, 3))
        with self.assertRaisesRegex(ValueError, "root_degree=-2"):
            layers.BinaryConv2D(4, 3, estimator="reste", root_degree=-2)
        with self.assertRaisesRegex(ValueError, "rank 4"):
            layers.BinaryConv2D(4, 3)(IMAGES[0])

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.BinaryConv2D(
            4, (3, 2), strides=2, padding="same", estimator="biper",
            omega=10.0, kernel_scale="tensor", binary_activations=False))

    @parameterized.named_parameters(
        ("ste_channel_valid", "ste", "channel", (1, 1), "valid"),
        ("biper_tensor_same_strided", "biper", "tensor", (2, 2), "same"),
    )
    def test_correctness_against_reference(self, estimator, kernel_scale,
                                           strides, padding):
        layer = kerastricks.layers.BinaryConv2D(
            4, 3, strides=strides, padding=padding, estimator=estimator,
            kernel_scale=kernel_scale)
        outputs = layer(IMAGES)
        self.assertEqual(tuple(outputs.shape),
                         layer.compute_output_shape(IMAGES.shape))
        self.assertAllClose(
            outputs, reference.np_binary_conv2d(
                IMAGES, np.array(layer.kernel), strides, padding, estimator,
                kernel_scale), atol=1e-5, rtol=1e-5)

    def test_channels_first_matches_channels_last(self):
        last = kerastricks.layers.BinaryConv2D(4, 3, padding="same",
                                               use_bias=True,
                                               bias_initializer="ones")
        first = kerastricks.layers.BinaryConv2D(
            4, 3, padding="same", use_bias=True, bias_initializer="ones",
            data_format="channels_first")
        expected = last(IMAGES)
        first.build((2, 3, 6, 5))
        first.set_weights(last.get_weights())
        self.assertAllClose(
            np.transpose(keras.ops.convert_to_numpy(
                first(np.transpose(IMAGES, (0, 3, 1, 2)))), (0, 2, 3, 1)),
            expected, atol=1e-5, rtol=1e-5)

    def test_kernel_gradient_is_the_estimators(self):
        layer = kerastricks.layers.BinaryConv2D(
            2, 3, estimator="reste", root_degree=2.0, kernel_scale=None)
        layer.build(IMAGES.shape)
        kernel = np.array(layer.kernel)
        upstream = RNG.normal(size=(2, 4, 3, 2)).astype("float32")
        change = sgd_step(layer, IMAGES, upstream)
        self.assertAllClose(
            -change, reference.np_binary_conv2d_kernel_gradient(
                IMAGES, kernel, upstream, "reste", root_degree=2.0),
            atol=1e-5, rtol=1e-5)

    def test_learned_scale_starts_at_the_channel_mean(self):
        learned = kerastricks.layers.BinaryConv2D(4, 3,
                                                  kernel_scale="learned")
        learned.build(IMAGES.shape)
        self.assertAllClose(learned.scale, np.abs(
            np.array(learned.kernel)).mean(axis=(0, 1, 2)))
        channel = kerastricks.layers.BinaryConv2D(4, 3)
        channel.build(IMAGES.shape)
        channel.set_weights([np.array(learned.kernel)])
        self.assertAllClose(learned(IMAGES), channel(IMAGES))

