import numpy as np
from absl.testing import parameterized
from keras import ops

import kerastricks
from kerastricks import testing
from tests.references import weight_pruning as reference


class MagnitudePruningMaskTest(testing.TestCase):
    @parameterized.parameters(0.3, 0.75, 1.0)
    def test_correctness_against_reference(self, sparsity):
        rng = np.random.default_rng(0)
        scores = rng.normal(size=(5, 7)).astype("float32")
        previous = (rng.uniform(size=(5, 7)) > 0.2).astype("float32")
        previous_sparsity = 1.0 - previous.mean()
        sparsity = max(sparsity, float(previous_sparsity))
        mask = kerastricks.ops.magnitude_pruning_mask(
            scores, previous, sparsity)
        expected = reference.np_magnitude_pruning_mask(
            scores, previous, sparsity).reshape(5, 7)
        self.assertAllEqual(mask, expected)
        # Exactly round(sparsity * size) zeros, and never a regrown weight.
        self.assertEqual(int(np.sum(ops.convert_to_numpy(mask) == 0)),
                         int(np.floor(sparsity * 35 + 0.5)))
        self.assertTrue(np.all(ops.convert_to_numpy(mask) <= previous))

    def test_rounds_are_monotone_and_exact(self):
        rng = np.random.default_rng(1)
        mask = np.ones((8, 4), "float32")
        for round_index in range(1, 5):
            sparsity = 1.0 - 0.5**round_index
            scores = rng.normal(size=(8, 4)).astype("float32")
            new_mask = ops.convert_to_numpy(
                kerastricks.ops.magnitude_pruning_mask(scores, mask,
                                                       sparsity))
            self.assertTrue(np.all(new_mask <= mask))
            self.assertEqual(int(new_mask.sum()), 32 // 2**round_index)
            mask = new_mask

    def test_invalid_args(self):
        scores = np.ones((2, 3), "float32")
        with self.assertRaisesRegex(ValueError, "one shape"):
            kerastricks.ops.magnitude_pruning_mask(
                scores, np.ones((3, 2)), 0.5)
        with self.assertRaisesRegex(ValueError, r"sparsity=1.5"):
            kerastricks.ops.magnitude_pruning_mask(
                scores, np.ones((2, 3)), 1.5)
        with self.assertRaisesRegex(ValueError, "initial_weights=None"):
            kerastricks.ops.weight_pruning_scores(
                scores, criterion="magnitude_increase")
        with self.assertRaisesRegex(ValueError, "criterion='random'"):
            kerastricks.ops.weight_pruning_scores(scores, criterion="random")

    def test_scores(self):
        weights = np.array([[-2.0, 0.5]], "float32")
        initial = np.array([[1.0, -1.0]], "float32")
        self.assertAllClose(
            kerastricks.ops.weight_pruning_scores(weights), [[2.0, 0.5]])
        self.assertAllClose(
            kerastricks.ops.weight_pruning_scores(
                weights, initial, "magnitude_increase"), [[1.0, -0.5]])


class PerClassMetricsTest(testing.TestCase):
    def test_correctness_against_reference(self):
        rng = np.random.default_rng(2)
        labels = rng.integers(0, 4, size=40)
        scores = rng.normal(size=(40, 4)).astype("float32")
        counts = kerastricks.ops.per_class_false_negatives(labels, scores, 4)
        expected = reference.np_per_class_false_negatives(
            labels, scores.argmax(-1), 4)
        self.assertAllClose(counts, expected)
        support = np.bincount(labels, minlength=4)
        self.assertAllClose(
            kerastricks.ops.per_class_recall(labels, scores, 4),
            1.0 - expected / support)

    def test_absent_class_has_full_recall(self):
        recall = kerastricks.ops.per_class_recall(
            np.array([0, 0]), np.array([0, 1]), 3)
        self.assertAllClose(recall, [0.5, 1.0, 1.0])


class LandscapeMeasuresTest(testing.TestCase):
    def test_barrier_against_reference(self):
        rng = np.random.default_rng(3)
        alphas = np.linspace(0, 1, 7).astype("float32")
        losses = rng.uniform(size=7).astype("float32")
        self.assertAllClose(
            kerastricks.ops.interpolation_barrier_height(losses, alphas),
            reference.np_barrier(losses, alphas))
        self.assertAllClose(
            kerastricks.ops.mode_connectivity(losses),
            reference.np_mode_connectivity(losses))

    def test_linear_cka_against_reference(self):
        rng = np.random.default_rng(4)
        a = rng.normal(size=(20, 5)).astype("float32")
        b = rng.normal(size=(20, 3)).astype("float32")
        self.assertAllClose(kerastricks.ops.linear_cka(a, b),
                            reference.np_linear_cka(a, b),
                            atol=1e-5, rtol=1e-5)  # float32 Gram matrices
        self.assertAllClose(kerastricks.ops.linear_cka(a, 2.0 * a), 1.0,
                            atol=1e-5, rtol=1e-5)

    def test_regimes_against_reference(self):
        barriers = np.array([0.5, 0.0, 0.01, 0.02], "float32")
        similarities = np.array([0.99, 0.5, 0.95, 0.95], "float32")
        labels = ops.convert_to_numpy(kerastricks.ops.classify_pruning_regime(
            barriers, similarities, 0.015, 0.9))
        expected = [reference.np_pruning_regime(b, s, 0.015, 0.9)
                    for b, s in zip(barriers, similarities)]
        self.assertEqual([("I", "II-A", "II-B")[i] for i in labels],
                         expected)
