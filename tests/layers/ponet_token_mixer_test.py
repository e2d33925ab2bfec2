import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import ponet as reference

_RNG = np.random.default_rng(0)
# Five projections of 2 sequences of 10 tokens, 4 channels in 2 heads.
_PARTS = [_RNG.normal(size=(2, 10, 4)).astype("float32") for _ in range(5)]


def _mask():
    mask = np.ones((2, 10), bool)
    mask[1, 6:] = False  # the second sequence has 6 real tokens
    return mask


class PoNetTokenMixerTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.PoNetTokenMixer
        with self.assertRaisesRegex(ValueError, "num_heads=0"):
            layer_cls(num_heads=0)
        with self.assertRaisesRegex(ValueError, "must be odd.*window=2"):
            layer_cls(window=2)
        with self.assertRaisesRegex(TypeError, "num_segments=2.5"):
            layer_cls(num_segments=2.5)

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.PoNetTokenMixer(
            num_heads=2, num_segments=3, window=5))

    def test_correctness_against_reference(self):
        for mask in (None, _mask()):
            actual = kerastricks.ops.ponet_token_mixing(
                *_PARTS, num_heads=2, num_segments=3, mask=mask)
            expected = reference.np_ponet(*_PARTS, num_heads=2,
                                          num_segments=3, mask=mask)
            self.assertAllClose(actual, expected, atol=1e-5, rtol=1e-5)

    def test_segment_max_matches_numpy(self):
        x = _PARTS[0]
        segments = reference.np_segments(10, 3)   # runs of 4, 4, 2 tokens
        expected = np.stack([x[:, segments == s].max(axis=1)
                             for s in segments], axis=1)
        self.assertAllEqual(kerastricks.ops.segment_max_pooling(x, 3),
                            expected)

    def test_padded_tokens_change_nothing(self):
        # Whatever the padded tokens hold, the real tokens' outputs are
        # the same, and the padded ones output zero.
        layer = kerastricks.layers.PoNetTokenMixer(num_heads=2,
                                                   num_segments=3)
        x = _PARTS[0].copy()
        mask = _mask()
        first = keras.ops.convert_to_numpy(layer(x, mask=mask))
        x[1, 6:] = 1e3 * _RNG.normal(size=(4, 4))
        second = keras.ops.convert_to_numpy(layer(x, mask=mask))
        self.assertAllClose(first, second, atol=1e-6, rtol=1e-6)
        self.assertAllEqual(second[1, 6:], np.zeros((4, 4)))
        # The mask of an Embedding(mask_zero=True) reaches the layer.
        ids = keras.Input((10,), dtype="int32")
        embedded = keras.layers.Embedding(5, 4, mask_zero=True)(ids)
        model = keras.Model(ids, kerastricks.layers.PoNetTokenMixer()(
            embedded))
        out = model(np.array([[1, 2, 3, 0, 0, 0, 0, 0, 0, 0]]))
        self.assertAllEqual(keras.ops.convert_to_numpy(out)[0, 3:],
                            np.zeros((7, 4)))
