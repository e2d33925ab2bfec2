import numpy as np

from tests.references import interval_bounds as reference


def test_dense_by_hand():
    # x1 in [0, 2], x2 in [-1, 1]; y = 3 x1 - 2 x2 + 1 lies in [-1, 9].
    lower, upper = reference.np_dense([[0.0, -1.0]], [[2.0, 1.0]],
                                      np.array([[3.0], [-2.0]]), [1.0])
    np.testing.assert_allclose([lower[0, 0], upper[0, 0]], [-1.0, 9.0])


def test_conv_matches_dense_on_a_single_patch():
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(2, 2, 1, 3))
    lower = rng.normal(size=(1, 2, 2, 1))
    upper = lower + rng.uniform(size=lower.shape)
    conv = reference.np_conv2d_valid(lower, upper, kernel)
    dense = reference.np_dense(lower.reshape(1, 4), upper.reshape(1, 4),
                               kernel.reshape(4, 3))
    np.testing.assert_allclose(conv[0].reshape(1, 3), dense[0])
    np.testing.assert_allclose(conv[1].reshape(1, 3), dense[1])


def test_batch_norm_negative_scale_swaps_the_ends():
    lower, upper = reference.np_batch_norm(
        np.array([1.0]), np.array([3.0]), gamma=np.array([-2.0]),
        beta=np.array([0.5]), mean=np.array([1.0]),
        variance=np.array([1.0]), epsilon=0.0)
    np.testing.assert_allclose([lower[0], upper[0]], [-3.5, 0.5])
