import math

import numpy as np

from tests.references import data_pruning
from tests.references import opposing_signals as reference


def test_opposing_groups_by_hand():
    # Up 3 (example 0), down 2 (example 1); total movement 6:
    # strength = 2 * 1 * min(3, 2) / 6.
    up, down, strength = reference.np_opposing_signals(
        [3.0, -2.0, 0.5, -0.5, 0.0, 0.0], k=1)
    assert (up, down) == ({0}, {1})
    np.testing.assert_allclose(strength, 2 / 3)
    # Everything moving down together is no opposing signal.
    assert reference.np_opposing_signals([-1.0, -2.0, -3.0, -4.0],
                                         k=1)[2] == 0.0


def test_grand_by_hand():
    # h = (3, 4): |[h, 1]| = sqrt(26); equal logits, label 0: |p - e_0| =
    # sqrt(1/2); the product is sqrt(13).
    np.testing.assert_allclose(data_pruning.np_grand_last_dense(
        [[3.0, 4.0]], [[0.0, 0.0]], [0]), [math.sqrt(13)])
    np.testing.assert_allclose(
        data_pruning.np_grand([np.array([[3.0]]), np.array([[4.0]])]), [5.0])
