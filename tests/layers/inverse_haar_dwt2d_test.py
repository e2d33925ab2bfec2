import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import wavelets as reference


class InverseHaarDWT2DTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "data_format=None"):
            kerastricks.layers.InverseHaarDWT2D(data_format=None)

    def test_config(self):
        self.run_serialization_test(
            kerastricks.layers.InverseHaarDWT2D(data_format="channels_first"))

    def test_correctness_against_reference(self):
        bands = np.random.default_rng(1).normal(size=(2, 3, 2, 8))
        bands = bands.astype("float32")
        expected = reference.np_inverse_haar_dwt2d(bands)
        self.assertAllClose(kerastricks.layers.InverseHaarDWT2D()(bands),
                            expected)
        channels_first = kerastricks.layers.InverseHaarDWT2D(
            data_format="channels_first")(np.transpose(bands, (0, 3, 1, 2)))
        channels_first = keras.ops.convert_to_numpy(channels_first)
        self.assertAllClose(np.transpose(channels_first, (0, 2, 3, 1)),
                            expected)
        self.assertAllEqual(kerastricks.layers.InverseHaarDWT2D()(bands),
                            kerastricks.ops.inverse_haar_dwt2d(bands))

    def test_inverse_then_forward_is_identity(self):
        bands = np.random.default_rng(2).normal(size=(1, 2, 3, 4))
        restored = kerastricks.layers.HaarDWT2D(dtype="float64")(
            kerastricks.layers.InverseHaarDWT2D(dtype="float64")(bands))
        self.assertAllClose(restored, bands, atol=1e-6, rtol=1e-6)
