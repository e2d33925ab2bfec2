import numpy as np

from tests.references import binary_estimators as reference


def test_reste_probes_by_hand():
    # o = 2: (1/2) 0.5^(-1/2) = 0.7071; 0.1^(1/2) / 0.1 = 3.1623; 0 past t.
    np.testing.assert_allclose(
        reference.np_reste_derivative([0.5, -0.05, 2.0], 2.0, 1.5),
        [0.5 / np.sqrt(0.5), np.sqrt(0.1) / 0.1, 0.0])


def test_reste_with_o_one_is_clipped_ste_at_threshold():
    x = np.linspace(-2.0, 2.0, 41)
    np.testing.assert_allclose(reference.np_reste_derivative(x, 1.0, 1.5),
                               reference.np_ste_derivative(x, 1.5))


def test_reste_derivative_is_the_power_function_slope():
    x = np.array([0.2, 0.7, 1.3])
    step = 1e-6
    slope = (reference.np_reste_forward_equivalent(x + step, 3.0)
             - reference.np_reste_forward_equivalent(x - step, 3.0)) / (
                 2 * step)
    np.testing.assert_allclose(reference.np_reste_derivative(x, 3.0),
                               slope, rtol=1e-6)


def test_biper_forward_and_quantization_error():
    # sin(pi/2) = 1 and sin(3 pi / 2) = -1 are binary already: no error.
    w = np.array([np.pi / 2, 3 * np.pi / 2])
    np.testing.assert_allclose(reference.np_forward(w, "biper", 1.0),
                               [1.0, -1.0])
    assert reference.np_biper_quantization_error(w, 1.0) < 1e-12
    # sin(pi / 6) = 0.5: error 0.5.
    np.testing.assert_allclose(
        reference.np_biper_quantization_error([np.pi / 6], 1.0), 0.5)


def test_conv_loops_match_a_dense_product_for_a_one_by_one_kernel():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 3, 4))
    kernel = rng.normal(size=(1, 1, 4, 5))
    np.testing.assert_allclose(
        reference.np_binary_conv2d(x, kernel),
        reference.np_binary_dense(x, kernel[0, 0]), atol=1e-12)


def test_schedule_ends():
    np.testing.assert_allclose(reference.np_reste_schedule([0, 10], 10),
                               [1.0, 3.0])
