import numpy as np

from tests.references import soft_equivariance as reference


def test_group_sizes_and_a_rotation_by_hand():
    image = np.array([[1.0, 2.0], [3.0, 4.0]])[None, :, :, None]
    rotations = reference.np_group_transforms("rotations", 2)
    # A quarter turn counter-clockwise: the right column becomes the top row.
    np.testing.assert_array_equal(rotations[1](image)[0, :, :, 0],
                                  [[2.0, 4.0], [1.0, 3.0]])
    assert len(reference.np_group_transforms("dihedral", 2)) == 8
    assert len(reference.np_group_transforms("flips", 2)) == 4
    assert len(reference.np_group_transforms("translations", 2, 2)) == 25


def test_penalty_by_hand():
    # fn = the first pixel: a shift by +-1 of [0, 1, 2] moves 2 or 1 there,
    # so the penalty is (0 + 2**2 + 1**2) / 3.
    signal = np.array([[0.0, 1.0, 2.0]])
    value = reference.np_equivariance_penalty(lambda a: a[:, :1], signal,
                                              "translations")
    np.testing.assert_allclose(value, 5.0 / 3.0)
