import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import wavelets as reference


def _random_weights(block, rng):
    """Random kernels, biases and BatchNorm statistics, by sublayer."""
    weights = {}
    for name in ("reduction", "expand", "project", "upsample"):
        layer = getattr(block, name)
        values = [rng.normal(scale=0.5, size=v.shape).astype("float32")
                  for v in layer.weights]
        layer.set_weights(values)
        weights[name] = values
    gamma, beta, mean = (rng.normal(size=block.norm.gamma.shape)
                         for _ in range(3))
    variance = rng.uniform(0.5, 2.0, size=gamma.shape)
    norm = [v.astype("float32") for v in (gamma, beta, mean, variance)]
    block.norm.set_weights(norm)
    weights["norm"] = norm
    return weights


class WaveMixBlockTest(testing.TestCase):
    def test_invalid_args(self):
        cls = kerastricks.layers.WaveMixBlock
        with self.assertRaisesRegex(ValueError, "mlp_ratio=0"):
            cls(mlp_ratio=0)
        with self.assertRaisesRegex(ValueError, "dropout=1.0"):
            cls(dropout=1.0)
        with self.assertRaisesRegex(TypeError, "ff_channels=2.5"):
            cls(ff_channels=2.5)
        with self.assertRaisesRegex(ValueError, r"channels=6\)"):
            cls()(np.ones((1, 4, 4, 6), "float32"))

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.WaveMixBlock(
            mlp_ratio=3, ff_channels=5, dropout=0.1,
            data_format="channels_first", seed=4))

    def test_correctness_against_reference(self):
        # Inference mode: no dropout, BatchNorm with its moving statistics.
        rng = np.random.default_rng(0)
        x = rng.normal(size=(2, 4, 6, 8)).astype("float32")
        block = kerastricks.layers.WaveMixBlock(ff_channels=6)
        block.build(x.shape)
        weights = _random_weights(block, rng)
        expected = reference.np_wavemix_block(x, weights)
        self.assertAllClose(block(x, training=False), expected, atol=1e-4,
                            rtol=1e-4)  # float32 sums of ~50 products
        # channels_first with the same weights gives the same map.
        channels_first = kerastricks.layers.WaveMixBlock(
            ff_channels=6, data_format="channels_first")
        channels_first.build((2, 8, 4, 6))
        channels_first.set_weights(block.get_weights())
        out = keras.ops.convert_to_numpy(
            channels_first(np.transpose(x, (0, 3, 1, 2)), training=False))
        self.assertAllClose(np.transpose(out, (0, 2, 3, 1)), expected,
                            atol=1e-4, rtol=1e-4)

    def test_dropout_is_seeded_and_only_in_training(self):
        x = np.random.default_rng(1).normal(size=(2, 4, 4, 4)).astype(
            "float32")

        def output(seed, training):
            keras.utils.set_random_seed(0)
            block = kerastricks.layers.WaveMixBlock(dropout=0.5, seed=seed)
            return keras.ops.convert_to_numpy(block(x, training=training))

        self.assertAllClose(output(1, True), output(1, True))
        self.assertFalse(np.allclose(output(1, True), output(2, True)))
        self.assertAllClose(output(1, False), output(2, False))
