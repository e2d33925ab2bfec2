import keras
import numpy as np

import kerastricks
from kerastricks import testing


def _final_decoder_rms(levels, scaling, seeds=(0, 1)):
    """RMS of the outermost decoder block's output at initialization, over
    a few seeded initializations, for a UNet of `levels` levels with
    additive skips (the paper's setting)."""
    x = np.random.default_rng(0).normal(size=(2, 16, 16, 3))
    values = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        model = kerastricks.models.ScaleLongUNet(
            (16, 16, 3), filters=(4,) * levels, scaling=scaling, kappa=0.5,
            merge="add")
        probe = keras.Model(model.input,
                            model.get_layer("decoder_0").output)
        output = keras.ops.convert_to_numpy(probe(x.astype("float32")))
        values.append(np.sqrt(np.mean(output**2)))
    return float(np.mean(values))


class ScaleLongUNetTest(testing.TestCase):
    def test_invalid_args(self):
        build = kerastricks.models.ScaleLongUNet
        with self.assertRaisesRegex(ValueError, "divisible by 2 \\*\\* "
                                    "\\(len\\(filters\\) - 1\\) = 4"):
            build((10, 12, 3), filters=(4, 8, 8))
        with self.assertRaisesRegex(ValueError, "scaling='cs'"):
            build(scaling="cs")
        with self.assertRaisesRegex(ValueError, "merge='sum'"):
            build(merge="sum")
        with self.assertRaisesRegex(ValueError, "kappa=2"):
            build(kappa=2.0)
        with self.assertRaisesRegex(ValueError, "input_shape=\\(8, 8\\)"):
            build((8, 8))

    def test_kappa_one_is_the_plain_unet(self):
        x = np.random.default_rng(2).normal(size=(2, 8, 8, 3))
        plain = kerastricks.models.ScaleLongUNet((8, 8, 3), filters=(4, 8),
                                                 scaling="none")
        unit = kerastricks.models.ScaleLongUNet((8, 8, 3), filters=(4, 8),
                                                kappa=1.0)
        unit.set_weights(plain.get_weights())
        self.assertAllClose(unit(x.astype("float32")),
                            plain(x.astype("float32")), atol=1e-6)

    def test_learnable_scaling_builds_one_calibration_per_skip(self):
        model = kerastricks.models.ScaleLongUNet(
            (8, 8, 3), filters=(4, 8), scaling="learnable", reduction=4)
        scales = [layer for layer in model.layers
                  if isinstance(layer, kerastricks.layers.ScaledLongSkip)]
        self.assertEqual([s.skip_index for s in scales], [1, 0])
        self.assertEqual([tuple(s.hidden_kernel.shape) for s in scales],
                         [(16, 4), (64, 16)])

    def test_scaling_bounds_hidden_feature_growth_with_depth(self):
        # ScaleLong's stability property at initialization: with unit
        # skip coefficients the decoder's output feature grows with the
        # number of long skips; with kappa ** i it stays bounded.
        plain = [_final_decoder_rms(levels, "none") for levels in (2, 5)]
        scaled = [_final_decoder_rms(levels, "constant")
                  for levels in (2, 5)]
        self.assertGreater(plain[1], 1.05 * plain[0], (plain, scaled))
        self.assertLess(scaled[1], 1.05 * scaled[0], (plain, scaled))
        self.assertGreater(plain[1] / plain[0], 1.1 * scaled[1] / scaled[0],
                           (plain, scaled))
        self.assertLess(scaled[1], plain[1], (plain, scaled))
