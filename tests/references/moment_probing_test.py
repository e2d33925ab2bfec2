"""The Moment Probing reference against values computed by hand."""

import math

import numpy as np

from tests.references import moment_probing


def test_cross_covariance_of_identical_heads_by_hand():
    # Two tokens, heads equal to [1, -1] and [-1, 1] per channel pair:
    # centred values are +-1, so every covariance entry is +-1 and each
    # column normalizes to +-1/sqrt(2).
    heads = np.array([[[[1.0, -1.0], [1.0, -1.0]],
                       [[-1.0, 1.0], [-1.0, 1.0]]]])   # (1, 2, 2, 2)
    covariance = moment_probing.np_cross_covariances(heads)
    expected = np.array([[1.0, -1.0], [-1.0, 1.0]]) / math.sqrt(2.0)
    np.testing.assert_allclose(covariance[0, 0], expected)


def test_conv3x3_stride2_by_hand():
    x = np.arange(25.0).reshape(1, 5, 5, 1)
    kernel = np.ones((3, 3, 1, 1))
    out = moment_probing.np_conv3x3_stride2(x, kernel)
    # Sums of the four 3x3 windows starting at (0,0), (0,2), (2,0), (2,2).
    np.testing.assert_allclose(out[0, :, :, 0], [[54.0, 72.0],
                                                 [144.0, 162.0]])
