import numpy as np

from kerastricks import testing
from tests.references import weight_pruning as reference


class WeightPruningReferenceTest(testing.TestCase):
    def test_mask_by_hand(self):
        # Scores 3, 1, 2, 5 with the last entry already pruned: half of
        # four kept means the two best among the first three.
        mask = reference.np_magnitude_pruning_mask(
            [3.0, 1.0, 2.0, 5.0], [1, 1, 1, 0], 0.5)
        self.assertAllEqual(mask, [1, 0, 1, 0])

    def test_false_negatives_by_hand(self):
        counts = reference.np_per_class_false_negatives(
            [0, 0, 1, 2, 2, 2], [0, 1, 1, 0, 0, 2], 3)
        self.assertAllEqual(counts, [1, 0, 2])

    def test_barrier_and_mode_connectivity_by_hand(self):
        # Endpoints 1 and 3, a bump to 4 in the middle: chord 2, barrier 2;
        # mc = (1 + 3) / 2 - 4 = -2.
        self.assertAllClose(
            reference.np_barrier([1.0, 4.0, 3.0], [0.0, 0.5, 1.0]), 2.0)
        self.assertAllClose(
            reference.np_mode_connectivity([1.0, 4.0, 3.0]), -2.0)

    def test_cka_by_hand(self):
        a = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
        self.assertAllClose(reference.np_linear_cka(a, 3.0 * a), 1.0)
        rotated = a @ np.array([[0.0, 1.0], [-1.0, 0.0]])
        self.assertAllClose(reference.np_linear_cka(a, rotated), 1.0)

    def test_product_model_barrier_by_hand(self):
        # (u, v) = (1, 1) and (-1, -1) fit y = x exactly; at alpha = 0.5
        # the product is 0 and the loss is mean(x^2) = (1 + 4) / 2.
        losses = reference.np_product_model_losses(
            [1.0, 2.0], 1.0, 1.0, -1.0, -1.0, [0.0, 0.5, 1.0])
        self.assertAllClose(losses, [0.0, 2.5, 0.0])
