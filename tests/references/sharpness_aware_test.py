import numpy as np

from tests.references import sharpness_aware as reference


def test_sam_perturbation_by_hand():
    # g = (3, 4) has norm 5: e = rho * g / 5.
    e = reference.np_sharpness_aware_perturbation(
        [np.array([3.0]), np.array([4.0])], [np.zeros(1), np.zeros(1)],
        rho=1.0, epsilon=0.0)
    np.testing.assert_allclose(np.concatenate(e), [0.6, 0.8])


def test_asam_perturbation_by_hand():
    # w = (1, 2), g = (3, 4), eta = 0: T g = (3, 8), |T g| = sqrt(73),
    # e = T^2 g / sqrt(73) = (3, 16) / sqrt(73).
    e = reference.np_sharpness_aware_perturbation(
        [np.array([3.0, 4.0])], [np.array([1.0, -2.0])], rho=1.0,
        adaptive=True, epsilon=0.0)
    np.testing.assert_allclose(e[0], np.array([3.0, 16.0]) / np.sqrt(73.0))
    # A tensor left out of the mask keeps T = 1.
    e = reference.np_sharpness_aware_perturbation(
        [np.array([3.0]), np.array([4.0])], [np.array([2.0]), np.array([5.0])],
        rho=1.0, adaptive=True, epsilon=0.0, adaptive_mask=[True, False])
    norm = np.sqrt(6.0**2 + 4.0**2)
    np.testing.assert_allclose(np.concatenate(e), [12.0 / norm, 4.0 / norm])


def test_softmax_regression_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(3, 2)), rng.normal(size=2)
    x, labels = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    _, (kernel_gradient, bias_gradient) = reference.np_softmax_regression(
        kernel, bias, x, labels)
    step = 1e-6
    shifted = kernel.copy()
    shifted[1, 0] += step
    loss_plus, _ = reference.np_softmax_regression(shifted, bias, x, labels)
    shifted[1, 0] -= 2 * step
    loss_minus, _ = reference.np_softmax_regression(shifted, bias, x, labels)
    np.testing.assert_allclose(kernel_gradient[1, 0],
                               (loss_plus - loss_minus) / (2 * step),
                               rtol=1e-6)
    np.testing.assert_allclose(bias_gradient.sum(), 0.0, atol=1e-12)


def test_sam_with_rho_zero_is_gradient_descent():
    x, labels = np.eye(2), np.array([0, 1])
    kernel, bias = np.zeros((2, 2)), np.zeros(2)
    (new_kernel, new_bias), = reference.np_sam_sgd(
        kernel, bias, x, labels, learning_rate=1.0, rho=0.0, steps=1)
    # softmax(0) = 1/2: dL/dz = (1/2 - onehot) / 2.
    np.testing.assert_allclose(new_kernel, [[0.25, -0.25], [-0.25, 0.25]])
    np.testing.assert_allclose(new_bias, [0.0, 0.0])


def test_trajectory_loss_by_hand():
    # past (0, 0) -> p = (1/2, 1/2); current (ln 3, 0) at tau = 1 gives
    # q = (3/4, 1/4): KL = ln(4/3) / 2. Doubling both logits and tau keeps
    # p and q and multiplies by tau^2 = 4.
    np.testing.assert_allclose(
        reference.np_trajectory_loss([[np.log(3.0), 0.0]], [[0.0, 0.0]], 1.0),
        [0.5 * np.log(4.0 / 3.0)])
    np.testing.assert_allclose(
        reference.np_trajectory_loss([[2 * np.log(3.0), 0.0]], [[0.0, 0.0]],
                                     2.0),
        [2.0 * np.log(4.0 / 3.0)])
    np.testing.assert_allclose(
        reference.np_trajectory_loss([[1.0, 2.0]], [[1.0, 2.0]], 5.0), [0.0],
        atol=1e-15)


def test_ema_closed_form_by_hand():
    # a0 = 0, values 1 then 2, momentum 1/2: a1 = 1/2, a2 = 1/4 + 1 = 5/4.
    np.testing.assert_allclose(reference.np_ema(0.0, [1.0, 2.0], 0.5), 1.25)
