import numpy as np

from tests.references import scale_shift_invariant as reference


def test_alignment_recovers_an_affine_map():
    rng = np.random.default_rng(0)
    prediction = rng.normal(size=(4, 5))
    valid = np.ones((4, 5), bool)
    scale, shift = reference.np_alignment(prediction, -2.5 * prediction + 4.0,
                                          valid)
    np.testing.assert_allclose([scale, shift], [-2.5, 4.0])


def test_two_by_two_image_by_hand():
    # p = [[0, 1], [0, 1]], y = [[0, 0], [0, 2]]: s = cov/var = 1, t = 0,
    # residual [[0, 1], [0, -1]] (rows), data term (1 + 1) / (2 * 4) = 0.25;
    # x-gradients |1 - 0| + |(-1) - 0| = 2, y-gradient |(-1) - 1| = 2 at
    # full scale only (a 2x2 image has no neighbours at step 2), so the
    # gradient term is 0.5 * 4 / 4 = 0.5.
    prediction = np.array([[[0.0, 1.0], [0.0, 1.0]]])
    target = np.array([[[0.0, 0.0], [0.0, 2.0]]])
    np.testing.assert_allclose(
        reference.np_scale_shift_invariant_loss(target, prediction), [0.75])
    np.testing.assert_allclose(
        reference.np_scale_shift_invariant_loss(target, prediction,
                                                gradient_weight=0.0), [0.25])


def test_invalid_pixels_are_ignored():
    target = np.array([[[1.0, 2.0], [3.0, np.nan]]])
    prediction = np.array([[[2.0, 4.0], [6.0, 100.0]]])
    np.testing.assert_allclose(
        reference.np_scale_shift_invariant_loss(target, prediction), [0.0],
        atol=1e-12)
