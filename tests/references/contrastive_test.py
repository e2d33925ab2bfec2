import math

import numpy as np

from tests.references import contrastive as reference


def test_nt_xent_two_orthogonal_pairs_by_hand():
    # Views of example 0 are e1, views of example 1 are e2 (temperature 1):
    # each row sees its partner at similarity 1 and two others at 0.
    views = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    expected = -(1.0 - math.log(math.e + 2.0))
    np.testing.assert_allclose(reference.np_nt_xent(views, 1.0),
                               [expected] * 4)


def test_supcon_averages_over_positives_and_skips_lonely_anchors():
    embeddings = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    losses = reference.np_supervised_contrastive([0, 0, 1], embeddings, 1.0)
    expected = -(1.0 - math.log(math.e + 1.0))
    np.testing.assert_allclose(losses, [expected, expected, 0.0])
