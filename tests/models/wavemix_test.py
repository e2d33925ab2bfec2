import keras
import numpy as np

import kerastricks
from kerastricks import testing


def _conv_parameters(kernel, inputs, outputs):
    return kernel * kernel * inputs * outputs + outputs


class WaveMixTest(testing.TestCase):
    def test_invalid_args(self):
        build = kerastricks.models.WaveMix
        with self.assertRaisesRegex(ValueError, "channels=10"):
            build(num_classes=2, input_shape=(8, 8, 3), channels=10)
        with self.assertRaisesRegex(TypeError, "input_shape=8"):
            build(num_classes=2, input_shape=8)
        with self.assertRaisesRegex(ValueError, "stem='conv'"):
            build(num_classes=2, input_shape=(8, 8, 3), stem="conv")
        with self.assertRaisesRegex(ValueError, "classifier_activation='x'"):
            build(num_classes=2, input_shape=(8, 8, 3),
                  classifier_activation="x")
        # An odd map after the stem cannot be halved by the DWT.
        with self.assertRaisesRegex(ValueError, "even height and width"):
            build(num_classes=2, input_shape=(9, 9, 3), depth=1, channels=8)

    def test_paper_cifar10_configuration(self):
        # The official CIFAR-10 model: strided stem (stride 1) to 144
        # channels, 7 level-1 blocks of 144 channels, mult 2, a linear
        # classifier; parameters counted layer by layer.
        model = kerastricks.models.WaveMix(num_classes=10,
                                           input_shape=(32, 32, 3))
        channels = 144
        stem = (_conv_parameters(3, 3, channels // 2)
                + _conv_parameters(3, channels // 2, channels))
        block = (_conv_parameters(1, channels, channels // 4)
                 + _conv_parameters(1, channels, 2 * channels)
                 + _conv_parameters(1, 2 * channels, channels)
                 + _conv_parameters(4, channels, channels)
                 + 4 * channels)  # BatchNorm: gamma, beta, mean, variance
        head = channels * 10 + 10
        self.assertEqual(model.count_params(), stem + 7 * block + head)
        self.assertEqual(model.count_params(), 3044566)
        blocks = [layer for layer in model.layers
                  if isinstance(layer, kerastricks.layers.WaveMixBlock)]
        self.assertLen(blocks, 7)
        self.assertEqual(blocks[0].output.shape, (None, 32, 32, 144))
        self.assertEqual(model.output_shape, (None, 10))

    def test_patchify_stem(self):
        x = np.random.default_rng(0).normal(size=(2, 16, 16, 3)).astype(
            "float32")
        model = kerastricks.models.WaveMix(
            num_classes=3, input_shape=(16, 16, 3), depth=1, channels=8,
            stem="patchify", classifier_activation="softmax")
        probabilities = keras.ops.convert_to_numpy(model(x))
        self.assertAllClose(probabilities.sum(axis=-1), np.ones(2),
                            atol=1e-5)
