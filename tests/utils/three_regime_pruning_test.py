import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import weight_pruning as reference

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 2)).astype("float32")


def linear_model():
    model = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dense(2, use_bias=False)])
    model.compile(loss="mse")
    return model


class ThreeRegimePruningTest(testing.TestCase):
    def test_invalid_args(self):
        regimes = kerastricks.utils.three_regime_pruning
        model = linear_model()
        weights = model.get_weights()
        with self.assertRaisesRegex(ValueError, "non-empty dict"):
            regimes(model, {}, (X, X), 0.1, 0.9)
        with self.assertRaisesRegex(ValueError, "similarity_threshold=1.5"):
            regimes(model, {(1, 0.5): (weights, weights)}, (X, X), 0.1, 1.5)
        with self.assertRaisesRegex(ValueError, "must be a pair"):
            regimes(model, {(1, 0.5): weights}, (X, X), 0.1, 0.9)

    def test_regimes_against_reference(self):
        # Linear models under MSE: every path is convex (no barrier), so
        # only the output similarity separates II-A from II-B.
        model = linear_model()
        before = model.get_weights()
        identity = [np.eye(2, dtype="float32")]
        scaled = [2.0 * np.eye(2, dtype="float32")]  # outputs up to scale
        projected = [np.array([[1.0, 0.0], [0.0, 0.0]], "float32")]
        cells = kerastricks.utils.three_regime_pruning(
            model, {("low", 0.5): (identity, scaled),
                    ("high", 0.5): (identity, projected)},
            (X, X), barrier_threshold=1e-3, similarity_threshold=0.9,
            num_points=5)
        for key, other in ((("low", 0.5), scaled),
                           (("high", 0.5), projected)):
            similarity = reference.np_linear_cka(X @ identity[0],
                                                 X @ other[0])
            self.assertAllClose(cells[key]["similarity"], similarity,
                                atol=1e-5, rtol=1e-5)  # float32 Gram
            self.assertLessEqual(cells[key]["barrier"], 1e-6)
            self.assertEqual(cells[key]["regime"], reference.np_pruning_regime(
                cells[key]["barrier"], similarity, 1e-3, 0.9))
        self.assertEqual(cells[("low", 0.5)]["regime"], "II-B")
        self.assertEqual(cells[("high", 0.5)]["regime"], "II-A")
        self.assertIn("decrease", cells[("high", 0.5)]["advice"])
        self.assertAllClose(model.get_weights(), before)
