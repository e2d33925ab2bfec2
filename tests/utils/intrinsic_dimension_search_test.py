import os

import keras
import numpy as np

import kerastricks
from kerastricks import testing

_RNG = np.random.default_rng(7)
_X = _RNG.normal(size=(24, 3)).astype("float32")
_Y = (_X[:, 0] + _X[:, 1] > 0).astype("int32")


def _build():
    return keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, activation="relu"),
        keras.layers.Dense(2),
    ])


class IntrinsicDimensionSearchTest(testing.TestCase):
    def test_invalid_args(self):
        search = kerastricks.utils.intrinsic_dimension_search
        with self.assertRaisesRegex(TypeError, "build_model of type int"):
            search(1, (_X, _Y), (_X, _Y), [2])
        with self.assertRaisesRegex(ValueError, "at most D = 26.*27"):
            search(_build, (_X, _Y), (_X, _Y), [2, 27])
        with self.assertRaisesRegex(ValueError, "threshold=0.0"):
            search(_build, (_X, _Y), (_X, _Y), [2], threshold=0.0)
        with self.assertRaisesRegex(ValueError, "same, non-zero number"):
            search(_build, (_X, _Y[:3]), (_X, _Y), [2])

    def test_correctness_against_reference(self):
        path = os.path.join(self.make_temp_dir(), "intrinsic.png")
        result = kerastricks.utils.intrinsic_dimension_search(
            _build, (_X, _Y), (_X, _Y), dimensions=[4, 1],
            projection="dense", epochs=2, batch_size=24,
            optimizer=lambda: keras.optimizers.Adam(0.05), path=path)
        self.assertEqual(result["dimensions"], [1, 4])
        self.assertEqual(result["num_parameters"], 26)
        self.assertLen(result["accuracy"], 2)
        for accuracy in [*result["accuracy"], result["full_accuracy"]]:
            self.assertBetween(accuracy, 0.0, 1.0)
        # d_int90: the smallest d reaching 90% of the full model.
        target = 0.9 * result["full_accuracy"]
        self.assertAllClose(result["target_accuracy"], target)
        reached = [d for d, a in zip(result["dimensions"],
                                     result["accuracy"]) if a >= target]
        self.assertEqual(result["intrinsic_dimension"],
                         reached[0] if reached else None)
        with open(path, "rb") as png:
            self.assertEqual(png.read(8), b"\x89PNG\r\n\x1a\n")
