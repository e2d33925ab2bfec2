import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import poolformer as reference


class PoolingTokenMixerTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.PoolingTokenMixer
        with self.assertRaisesRegex(ValueError, "must be odd.*pool_size=2"):
            layer_cls(pool_size=2)
        with self.assertRaisesRegex(ValueError, "pool_size=0"):
            layer_cls(pool_size=0)
        with self.assertRaisesRegex(TypeError, "pool_size=True"):
            layer_cls(pool_size=True)
        with self.assertRaisesRegex(ValueError, "data_format='nhwc'"):
            layer_cls(data_format="nhwc")

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.PoolingTokenMixer(
            pool_size=5, data_format="channels_first"))

    def test_correctness_against_reference(self):
        x = np.random.default_rng(0).normal(size=(2, 5, 4, 3))
        x = x.astype("float32")
        nchw = np.transpose(x, (0, 3, 1, 2))
        for pool_size in (3, 5):
            expected = np.transpose(
                reference.np_pooling_mixer(nchw.astype("float64"),
                                           pool_size), (0, 2, 3, 1))
            layer = kerastricks.layers.PoolingTokenMixer(pool_size)
            self.assertAllClose(layer(x), expected, atol=1e-6, rtol=1e-6)
            channels_first = kerastricks.layers.PoolingTokenMixer(
                pool_size, data_format="channels_first")
            self.assertAllClose(channels_first(nchw),
                                np.transpose(expected, (0, 3, 1, 2)),
                                atol=1e-6, rtol=1e-6)

    def test_functional_matches_class(self):
        x = np.random.default_rng(1).normal(size=(1, 4, 4, 2))
        x = x.astype("float32")
        self.assertAllClose(
            kerastricks.layers.PoolingTokenMixer()(x),
            kerastricks.ops.pooling_token_mixer(x, 3), atol=0, rtol=0)

    def test_constant_map_mixes_to_exactly_zero_including_borders(self):
        # The paper's mixer averages only the positions inside the map
        # (count_include_pad=False): a pooling that counted the zero
        # padding would give 4/9 of the value at the corners. The values
        # are dyadic, so every sum and quotient is exact in float32.
        x = np.broadcast_to(np.array([1.5, -2.25, 0.75], "float32"),
                            (2, 6, 5, 3))
        out = kerastricks.layers.PoolingTokenMixer()(np.array(x))
        self.assertAllEqual(out, np.zeros_like(x))
