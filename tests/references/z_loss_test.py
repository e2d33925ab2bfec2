import numpy as np

from tests.references import z_loss as reference


def test_two_classes_by_hand():
    # With two classes the z-scores are always +1 and -1.
    np.testing.assert_allclose(
        reference.np_z_loss([0, 1], [[3.0, -5.0], [3.0, -5.0]]),
        [np.log1p(np.exp(-1.0)), np.log1p(np.exp(1.0))],
    )


def test_a_and_b_by_hand():
    # o = [2, 0, -2]: mu = 0, sigma = sqrt(8 / 3), z_0 = sqrt(3 / 2).
    z = np.sqrt(1.5)
    np.testing.assert_allclose(
        reference.np_z_loss([0], [[2.0, 0.0, -2.0]], a=2.0, b=1.5),
        [np.log1p(np.exp(2.0 * (1.5 - z))) / 2.0],
    )
