"""The loss references against hand-computed values and the examples in
tensorflow-addons' docstrings (quoted next to each)."""

import math

import numpy as np

from tests.references import tfa_losses as reference

# tensorflow-addons' docstring examples: labels [0, 0], embeddings
# [[0, 1], [1, 0]] give 2.4142137 (semi-hard) and 1.0 (hard) with "L2".
_TWO_LABELS = np.array([0, 0])
_TWO_EMBEDDINGS = np.array([[0.0, 1.0], [1.0, 0.0]])


def test_triplet_losses_tfa_docstring_examples():
    np.testing.assert_allclose(
        reference.np_triplet_semihard(_TWO_LABELS, _TWO_EMBEDDINGS),
        2.4142137, rtol=1e-7)
    np.testing.assert_allclose(
        reference.np_triplet_hard(_TWO_LABELS, _TWO_EMBEDDINGS).mean(), 1.0)


def test_triplet_semihard_picks_the_closest_farther_negative():
    # On a line: anchor 0 at 0, positive at 1, negatives at 0.5, 1.5, 3.
    labels = np.array([0, 0, 1, 1, 1])
    points = np.array([[0.0], [1.0], [0.5], [1.5], [3.0]])
    d = reference.np_distances(points)
    # Pairs (0, 1): semi-hard 1.5 -> 1 + 1 - 1.5; (1, 0): negatives at
    # 0.5, 0.5, 2 farther than 1 -> 2 -> 0. Class 1 pairs (2,3), (2,4),
    # (3,2), (3,4), (4,2), (4,3) by hand below.
    expected = [max(1 + d[0, 1] - 1.5, 0), max(1 + d[1, 0] - 2.0, 0)]
    for anchor, positive in ((2, 3), (2, 4), (3, 2), (3, 4), (4, 2),
                             (4, 3)):
        farther = [d[anchor, n] for n in (0, 1) if d[anchor, n]
                   > d[anchor, positive]]
        negative = (min(farther) if farther
                    else max(d[anchor, 0], d[anchor, 1]))
        expected.append(max(1 + d[anchor, positive] - negative, 0))
    np.testing.assert_allclose(
        reference.np_triplet_semihard(labels, points), np.mean(expected))
    assert expected[:2] == [0.5, 0.0]


def test_triplet_hard_and_soft_by_hand():
    labels = np.array([0, 0, 1])
    points = np.array([[0.0], [2.0], [3.0]])
    # anchor 0: d_p 2, d_n 3; anchor 1: d_p 2, d_n 1; anchor 2: no
    # positive (row minimum 0), d_n 1.
    np.testing.assert_allclose(reference.np_triplet_hard(labels, points),
                               [0.0, 2.0, 0.0])
    np.testing.assert_allclose(
        reference.np_triplet_hard(labels, points, soft=True),
        [math.log1p(math.exp(-1)), math.log1p(math.exp(1)),
         math.log1p(math.exp(-1))])


def test_distances():
    points = np.array([[3.0, 4.0], [0.0, 0.0], [6.0, 8.0]])
    np.testing.assert_allclose(reference.np_distances(points)[0], [0, 5, 5])
    np.testing.assert_allclose(
        reference.np_distances(points, "squared-L2")[0], [0, 25, 25])
    np.testing.assert_allclose(
        reference.np_distances(points[[0, 2]], "angular"), 0.0, atol=1e-12)


def test_contrastive_npairs_focal_pinball_by_hand():
    np.testing.assert_allclose(
        reference.np_contrastive([1, 0, 0], [0.5, 0.25, 2.0]),
        [0.25, 0.5625, 0.0])
    # Two rows, labels differ: plain softmax cross-entropy on the diagonal.
    np.testing.assert_allclose(
        reference.np_npairs([0, 1], [[2.0, 0.0], [0.0, 2.0]]),
        [math.log1p(math.exp(-2))] * 2)
    # Same label everywhere: targets (1/2, 1/2), so log 2 for equal logits.
    np.testing.assert_allclose(reference.np_npairs([3, 3], np.zeros((2, 2))),
                               [math.log(2)] * 2)
    # Uniform over 3 classes: p = 1/3, (2/3)^2 * log 3, times alpha.
    np.testing.assert_allclose(
        reference.np_sparse_focal([1], np.zeros((1, 3)), alpha=[1, 2, 3]),
        [2 * (2 / 3) ** 2 * math.log(3)])
    # tensorflow-addons' example: pinball([0, 0, 1, 1], [1, 1, 1, 0],
    # tau=.1) = 0.475.
    np.testing.assert_allclose(
        reference.np_pinball([0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0],
                             tau=0.1), 0.475)
