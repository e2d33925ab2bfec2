import numpy as np

from tests.references import fisher_merge as reference


def test_weighted_average_by_hand():
    # (1 * 0 + 3 * 2) / (1 + 3) = 1.5.
    np.testing.assert_allclose(reference.np_fisher_weighted_average(
        [0.0, 2.0], [1.0, 3.0], [0.5, 0.5]), 1.5)
    # Both Fishers zero: only the first is floored, so it wins.
    np.testing.assert_allclose(reference.np_fisher_weighted_average(
        [0.0, 2.0], [0.0, 0.0], [0.5, 0.5]), 0.0)
    # Flooring both gives the plain average.
    np.testing.assert_allclose(reference.np_fisher_weighted_average(
        [0.0, 2.0], [0.0, 0.0], [0.5, 0.5], favor_first_model=False), 1.0)


def test_logistic_fisher_by_hand():
    # w = 0, b = 0: p = 1/2, p(1 - p) = 1/4 for x = 1 and x = 2.
    kernel_fisher, bias_fisher = reference.np_logistic_fisher(
        [[1.0], [2.0]], [[0.0]], 0.0)
    np.testing.assert_allclose(kernel_fisher, [[0.25 * (1 + 4) / 2]])
    np.testing.assert_allclose(bias_fisher, [0.25])


def test_softmax_fisher_and_gradients_by_hand():
    # Zero weights, two classes: p = (1/2, 1/2) so p_c (1 - p_c) = 1/4.
    kernel_fisher, bias_fisher = reference.np_softmax_linear_fisher(
        [[2.0]], np.zeros((1, 2)), np.zeros(2))
    np.testing.assert_allclose(kernel_fisher, [[1.0, 1.0]])
    np.testing.assert_allclose(bias_fisher, [0.25, 0.25])
    kernel_grad, bias_grad = reference.np_linear_cross_entropy_gradients(
        [[2.0]], np.zeros((1, 2)), np.zeros(2), [0])
    np.testing.assert_allclose(bias_grad, [[-0.5, 0.5]])
    np.testing.assert_allclose(kernel_grad, [[[-1.0, 1.0]]])
