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
