import numpy as np

from tests.references import optimal_transport as reference


def test_single_points_cost_their_distance():
    # One point each: the only coupling moves all the mass, KL = 0.
    x, y = np.array([[0.0, 1.0]]), np.array([[3.0, -3.0]])
    np.testing.assert_allclose(
        reference.np_sinkhorn_cost(x, y, epsilon=0.7, num_iterations=3), 25.0)
    np.testing.assert_allclose(
        reference.np_sinkhorn_cost(x, y, epsilon=0.7, num_iterations=3,
                                   cost="euclidean"), 5.0)


def test_shift_costs_its_squared_length():
    # |x_i - x_j - t|^2 differs from |x_i - x_j|^2 by terms separable in i
    # and j plus |t|^2, so S(x + t, x) = |t|^2 at every epsilon.
    x = np.random.default_rng(0).normal(size=(5, 2))
    shift = np.array([0.6, -0.8])
    for epsilon in (1.0, 3.0):
        np.testing.assert_allclose(
            reference.np_sinkhorn_divergence(x + shift, x, epsilon=epsilon,
                                             num_iterations=100),
            1.0, rtol=1e-8)


def test_small_epsilon_approaches_the_best_assignment():
    # Two well separated pairs: the plan is the assignment (the other one
    # costs 60 more, exp(-60 / eps) of the mass), a permutation plan has
    # KL(P | a b^T) = log 2, so W_eps = assignment cost + eps log 2.
    x = np.array([[0.0], [10.0]])
    y = np.array([[1.0], [12.0]])
    np.testing.assert_allclose(
        reference.np_sinkhorn_cost(x, y, epsilon=0.05, num_iterations=50),
        reference.np_exact_assignment_cost(x, y) + 0.05 * np.log(2.0),
        rtol=1e-9)
    np.testing.assert_allclose(reference.np_exact_assignment_cost(x, y), 2.5)


def test_monge_gap_of_a_swap_by_hand():
    # Swapping two points of three: the displacement is 2 |x_0 - x_2|^2 / 3
    # and T#rho = rho, whose entropic self-transport costs <= 0 more.
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    gap = reference.np_monge_gap(x, x[[2, 1, 0]], epsilon=0.01,
                                 num_iterations=200)
    np.testing.assert_allclose(gap, 8.0 / 3.0, atol=0.01 * np.log(3.0))
