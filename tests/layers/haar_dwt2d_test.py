import importlib.util

import keras
import numpy as np
import pytest

import kerastricks
from kerastricks import testing
from tests.references import wavelets as reference


class HaarDWT2DTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "data_format='nhwc'"):
            kerastricks.layers.HaarDWT2D(data_format="nhwc")

    def test_config(self):
        self.run_serialization_test(
            kerastricks.layers.HaarDWT2D(data_format="channels_first"))

    def test_correctness_against_reference(self):
        x = np.random.default_rng(1).normal(size=(2, 6, 4, 3))
        x = x.astype("float32")
        expected = reference.np_haar_dwt2d(x)
        self.assertAllClose(kerastricks.layers.HaarDWT2D()(x), expected)
        channels_first = kerastricks.layers.HaarDWT2D(
            data_format="channels_first")(np.transpose(x, (0, 3, 1, 2)))
        self.assertEqual(tuple(channels_first.shape), (2, 12, 3, 2))
        channels_first = keras.ops.convert_to_numpy(channels_first)
        self.assertAllClose(np.transpose(channels_first, (0, 2, 3, 1)),
                            expected)

    def test_functional_matches_class(self):
        x = np.random.default_rng(2).normal(size=(1, 4, 4, 2)).astype(
            "float32")
        self.assertAllEqual(kerastricks.layers.HaarDWT2D()(x),
                            kerastricks.ops.haar_dwt2d(x))

    def test_orthonormal_energy_and_perfect_reconstruction(self):
        # The paper's "lossless": the inverse returns the input and the
        # subbands carry exactly the input's energy.
        x = np.random.default_rng(3).normal(size=(2, 8, 6, 3))
        bands = kerastricks.layers.HaarDWT2D(dtype="float64")(x)
        restored = kerastricks.layers.InverseHaarDWT2D(dtype="float64")(
            bands)
        self.assertAllClose(restored, x, atol=1e-6, rtol=1e-6)
        bands = keras.ops.convert_to_numpy(bands)
        self.assertAllClose(np.sum(bands**2, axis=(1, 2, 3)),
                            np.sum(x**2, axis=(1, 2, 3)), atol=1e-6,
                            rtol=1e-6)
        # float32 as well, to float32 rounding.
        bands32 = kerastricks.layers.HaarDWT2D()(x.astype("float32"))
        self.assertAllClose(
            kerastricks.layers.InverseHaarDWT2D()(bands32), x, atol=1e-6,
            rtol=1e-6)

    def test_constant_image_has_no_detail(self):
        x = np.full((1, 4, 4, 2), 3.0, "float32")
        bands = keras.ops.convert_to_numpy(kerastricks.layers.HaarDWT2D()(x))
        self.assertAllClose(bands[..., :2], np.full((1, 2, 2, 2), 6.0))
        self.assertAllClose(bands[..., 2:], np.zeros((1, 2, 2, 6)))

    @pytest.mark.skipif(importlib.util.find_spec("pywt") is None,
                        reason="PyWavelets is not installed")
    def test_matches_pywavelets(self):
        import pywt

        x = np.random.default_rng(4).normal(size=(1, 6, 8, 2))
        bands = keras.ops.convert_to_numpy(
            kerastricks.layers.HaarDWT2D(dtype="float64")(x))
        for channel in range(2):
            ca, (ch, cv, cd) = pywt.dwt2(x[0, :, :, channel], "haar")
            for index, band in enumerate((ca, ch, cv, cd)):
                self.assertAllClose(bands[0, :, :, index * 2 + channel],
                                    band)
