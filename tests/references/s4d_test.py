import numpy as np

from tests.references import s4d as reference


def test_hippo_legs_by_hand():
    np.testing.assert_allclose(reference.np_hippo_legs(3), [
        [-1.0, 0.0, 0.0],
        [-np.sqrt(3.0), -2.0, 0.0],
        [-np.sqrt(5.0), -np.sqrt(15.0), -3.0]])


def test_legs_spectrum_has_real_part_one_half():
    # The normal part is -I/2 plus a skew-symmetric matrix.
    spectrum = reference.np_legs_spectrum(8)
    assert spectrum.shape == (4,)
    np.testing.assert_allclose(spectrum.real, -0.5, atol=1e-9)


def test_recurrence_of_one_mode_by_hand():
    # a = -1, dt = log 2: a_bar = 1/2, b_bar = 1/2; c = 1/2 so y = Re x.
    a = np.array([[-1.0 + 0j]])
    c = np.array([[0.5 + 0j]])
    y = reference.np_s4d_recurrence(np.ones((1, 3, 1)), np.log([2.0]), a,
                                    c, np.zeros(1))
    np.testing.assert_allclose(y[0, :, 0], [0.5, 0.75, 0.875])
    kernel = reference.np_s4d_kernel(np.log([2.0]), a, c, 3)
    np.testing.assert_allclose(kernel[0], [0.5, 0.25, 0.125])
