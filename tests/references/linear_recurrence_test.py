import numpy as np

from tests.references import linear_recurrence as reference


def test_recurrence_by_hand():
    # h1 = 1, h2 = -1 * 1 + 2 = 1, h3 = 0.5 * 1 + 3 = 3.5.
    states = reference.np_linear_recurrence([[-2.0, -1.0, 0.5]],
                                            [[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(states, [[1.0, 1.0, 3.5]])


def test_masked_step_keeps_the_state_and_initial_state_enters():
    states = reference.np_linear_recurrence(
        [[0.5, 10.0, 0.5]], [[1.0, 7.0, 1.0]], initial_state=[4.0],
        mask=[[True, False, True]])
    # h1 = 0.5 * 4 + 1 = 3, h2 = h1 (masked), h3 = 0.5 * 3 + 1 = 2.5.
    np.testing.assert_allclose(states, [[3.0, 3.0, 2.5]])


def test_parity_construction_of_the_paper():
    # a_t = 1 - 2 x_t (eigenvalue -1 on a one), b_t = x_t gives the parity
    # bit of the prefix: u_t = x_t XOR u_{t-1}.
    bits = np.random.default_rng(0).integers(0, 2, size=(3, 50))
    states = reference.np_linear_recurrence(1.0 - 2.0 * bits, bits)
    np.testing.assert_allclose(states, np.cumsum(bits, axis=1) % 2)
