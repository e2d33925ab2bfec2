import math

import numpy as np

from tests.references import data_pruning as reference


def test_el2n_by_hand():
    # Two equal logits: p = (1/2, 1/2); error (−1/2, 1/2) has norm 1/sqrt 2.
    np.testing.assert_allclose(reference.np_el2n([[0.0, 0.0]], [0]),
                               [1 / math.sqrt(2)])
    assert reference.np_el2n([[50.0, 0.0]], [0])[0] < 1e-12


def test_prototype_distance_by_hand():
    distances = reference.np_prototype_distance(
        [[1.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(distances, [0.0, 1 - 1 / math.sqrt(2)])


def test_cross_entropy_dice_by_hand():
    from tests.references import segmentation

    # One pixel, two classes, prediction (1/2, 1/2) for class 0:
    # CE = log 2; Dice_0 = 2*0.5/1.5, Dice_1 = 0/0.5 = 0.
    loss = segmentation.np_cross_entropy_dice([[[1.0, 0.0]]],
                                              [[[0.5, 0.5]]], smooth=0.0)
    np.testing.assert_allclose(loss, [math.log(2) + 1 - (2 / 3) / 2])
