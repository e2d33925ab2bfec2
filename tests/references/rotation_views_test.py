"""The rotation-view reference against values computed by hand."""

import numpy as np

from tests.references import rotation_views


def test_views_of_a_2x2_image_by_hand():
    # [[1, 2], [3, 4]]: its 4 rotations and the 4 rotations of its mirror
    # [[2, 1], [4, 3]] are 8 distinct images, each starting with a
    # different (corner, neighbour) pair.
    image = np.array([[1, 2], [3, 4]]).reshape(1, 2, 2, 1)
    views = rotation_views.np_dihedral_views(image)
    firsts = sorted(tuple(v[0, 0, :, 0]) for v in views)
    assert firsts == [(1, 2), (1, 3), (2, 1), (2, 4), (3, 1), (3, 4),
                      (4, 2), (4, 3)]


def test_average_of_the_top_left_pixel_is_the_corner_mean():
    image = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    average = rotation_views.np_rotation_view_average(
        lambda v: v[:, 0, 0, 0], image)
    np.testing.assert_allclose(average, [2.5])  # each corner twice
