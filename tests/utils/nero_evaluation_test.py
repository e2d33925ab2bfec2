import os

import keras
import numpy as np

import kerastricks
from kerastricks import testing

QUARTER_TURNS = [0, 90, 180, 270]


def _images(batch=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(batch, 8, 8, 1)).astype("float32")


def _invariant_model():
    # 1x1 convolutions then a global average: a function of the multiset
    # of pixel values, unchanged by any permutation of the pixels.
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 1, activation="tanh"),
        keras.layers.Conv2D(3, 1),
        keras.layers.GlobalAveragePooling2D(),
    ])


def _conv_net():
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(3, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(3),
    ])


def _np_softmax(logits):
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class NeroEvaluationTest(testing.TestCase):
    def test_flat_for_an_invariant_model_not_for_a_conv_net(self):
        x, y = _images(), np.arange(4) % 3
        invariant = kerastricks.utils.nero_evaluation(
            _invariant_model(), x, y, orbit=QUARTER_TURNS, from_logits=True)
        shifted = kerastricks.utils.nero_evaluation(
            _invariant_model(), x, y, transform="translation",
            orbit=[(0, 0), (1, -2), (3, 3)], from_logits=True,
            fill_mode="wrap")
        for result in (invariant, shifted):
            self.assertLess(np.ptp(result["confidence"]), 1e-5)
            self.assertLess(np.ptp(result["outputs"], axis=0).max(), 1e-5)
        fragile = kerastricks.utils.nero_evaluation(
            _conv_net(), x, y, orbit=QUARTER_TURNS, from_logits=True)
        self.assertGreater(np.ptp(fragile["confidence"]), 1e-3)

    def test_rotations_and_scores_match_numpy(self):
        # Quarter turns are exact pixel permutations: the outputs equal the
        # model on numpy.rot90 copies, and the scores follow from them.
        x, y = _images(), np.array([0, 1, 2, 0])
        model = _conv_net()
        result = kerastricks.utils.nero_evaluation(
            model, x, y, orbit=QUARTER_TURNS, from_logits=True)
        expected = np.stack([
            keras.ops.convert_to_numpy(model(np.rot90(x, k, axes=(1, 2))))
            for k in range(4)])
        self.assertAllClose(result["outputs"], expected, atol=1e-5,
                            rtol=1e-5)
        probabilities = _np_softmax(expected)
        self.assertAllClose(result["confidence"],
                            probabilities[:, np.arange(4), y].mean(axis=1),
                            atol=1e-5, rtol=1e-5)
        self.assertAllClose(result["accuracy"],
                            (probabilities.argmax(-1) == y).mean(axis=1))

    def test_consensus_replaces_missing_labels(self):
        x = _images()
        result = kerastricks.utils.nero_evaluation(
            _conv_net(), x, orbit=QUARTER_TURNS, from_logits=True)
        consensus = result["probabilities"].mean(axis=0).argmax(axis=-1)
        self.assertAllEqual(result["labels"], consensus)

    def test_png_plots(self):
        directory = self.make_temp_dir()
        x, y = _images(batch=2), np.array([0, 1])
        for transform, orbit in (("rotation", [0, 45, 90]),
                                 ("translation", [(0, 0), (0, 1)])):
            path = os.path.join(directory, f"{transform}.png")
            kerastricks.utils.nero_evaluation(
                _conv_net(), x, y, transform=transform, orbit=orbit,
                from_logits=True, path=path)
            with open(path, "rb") as png:
                self.assertEqual(png.read(8), b"\x89PNG\r\n\x1a\n")

    def test_invalid_args(self):
        model, x = _conv_net(), _images(batch=2)
        evaluate = kerastricks.utils.nero_evaluation
        with self.assertRaisesRegex(TypeError, "model='abc'"):
            evaluate("abc", x)
        with self.assertRaisesRegex(ValueError, "transform='scale'"):
            evaluate(model, x, transform="scale")
        with self.assertRaisesRegex(ValueError, r"orbit=\[\(0, 1\)\]"):
            evaluate(model, x, orbit=[(0, 1)])
        with self.assertRaisesRegex(ValueError, r"x of shape \(2, 8, 8\)"):
            evaluate(model, x[..., 0])
        with self.assertRaisesRegex(ValueError, r"y of shape \(3,\)"):
            evaluate(model, x, y=np.zeros(3, "int32"))
