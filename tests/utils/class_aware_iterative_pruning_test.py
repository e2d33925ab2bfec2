import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import weight_pruning as reference

RNG = np.random.default_rng(0)
# Three imbalanced blobs (24, 12 and 6 examples) in 4 dimensions.
CENTERS = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
Y = np.repeat([0, 1, 2], [24, 12, 6]).astype("int32")
X = (CENTERS[Y] + RNG.normal(scale=0.7, size=(42, 4))).astype("float32")


def model_fn(compiled=True):
    model = keras.Sequential([
        keras.Input((4,)), kerastricks.layers.PrunedDense(8, "relu"),
        kerastricks.layers.PrunedDense(3)])
    if compiled:
        model.compile(keras.optimizers.Adam(0.05),
                      keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True))
    return model


class ClassAwareIterativePruningTest(testing.TestCase):
    def test_invalid_args(self):
        prune = kerastricks.utils.class_aware_iterative_pruning
        with self.assertRaisesRegex(ValueError, "must be compiled"):
            prune(model_fn(compiled=False), X, Y, (X, Y), 3)
        dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        dense.compile("adam", "mse")
        with self.assertRaisesRegex(ValueError, "PrunedDense"):
            prune(dense, X, Y, (X, Y), 3)
        model = model_fn()
        with self.assertRaisesRegex(ValueError, "rate=1.0"):
            prune(model, X, Y, (X, Y), 3, rate=1.0)
        with self.assertRaisesRegex(TypeError, "dtype float32"):
            prune(model, X, Y.astype("float32"), (X, Y), 3)
        with self.assertRaisesRegex(ValueError, "3 inputs and 2 labels"):
            prune(model, X, Y, (X[:3], Y[:2]), 3)

    def test_rounds_masks_and_false_negative_bound(self):
        model = model_fn()
        result = kerastricks.utils.class_aware_iterative_pruning(
            model, X, Y, (X, Y), num_classes=3, rounds=2, epochs=1,
            false_negative_tolerance=1.0, batch_size=42)
        self.assertAllClose(result["sparsity"], [0.0, 0.5, 0.75])
        # Exactly the target sparsity per kernel and round (32 and 24
        # weights), and a pruned weight never comes back.
        kept = [[int(mask.sum()) for mask in masks]
                for masks in result["masks"]]
        self.assertEqual(kept, [[32, 24], [16, 12], [8, 6]])
        for before, after in zip(result["masks"], result["masks"][1:]):
            for old, new in zip(before, after):
                self.assertTrue(np.all(new <= old))
        # The model left is the sparsest round within the bound; its kernels
        # are zero where pruned and its false negatives within tolerance.
        met = [i for i, ok in enumerate(result["bound_met"]) if ok]
        self.assertEqual(result["selected_round"], max(met))
        layers = [model.layers[0], model.layers[1]]
        for layer, mask in zip(layers,
                               result["masks"][result["selected_round"]]):
            self.assertAllEqual(keras.ops.convert_to_numpy(layer.kernel_mask),
                                mask.astype("float32"))
            kernel = keras.ops.convert_to_numpy(layer.kernel)
            self.assertTrue(np.all(kernel[~mask] == 0))
        predictions = model.predict(X, verbose=0).argmax(-1)
        false_negatives = reference.np_per_class_false_negatives(
            Y, predictions, 3)
        self.assertAllClose(
            false_negatives,
            result["false_negatives"][result["selected_round"]])
        self.assertTrue(np.all(
            false_negatives <= np.asarray(result["false_negatives"][0]) + 1))
