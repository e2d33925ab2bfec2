import numpy as np

from tests.references import flora as reference


def test_rank_one_update_by_hand():
    # G = [[2]], U_1 = [1, 2]^T, U_2 = [3, -1]^T: delta = 2 * u1 u2^T.
    delta = reference.np_flora_delta(
        np.array([[2.0]]), [np.array([[1.0], [2.0]]),
                            np.array([[3.0], [-1.0]])], scale=0.5)
    np.testing.assert_allclose(delta, [[3.0, -1.0], [6.0, -2.0]])


def test_matrix_case_is_u1_g_u2_transposed():
    rng = np.random.default_rng(0)
    core = rng.normal(size=(2, 3))
    u1, u2 = rng.normal(size=(4, 2)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(reference.np_flora_delta(core, [u1, u2]),
                               u1 @ core @ u2.T, atol=1e-12)


def test_conv_by_taps_matches_dense_on_patches():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 3, 3, 2))
    kernel = rng.normal(size=(3, 3, 2, 4))
    out = reference.np_conv2d_valid(x, kernel)
    np.testing.assert_allclose(out[0, 0, 0], x.reshape(-1) @ kernel.reshape(
        -1, 4), atol=1e-12)
