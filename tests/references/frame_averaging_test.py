import numpy as np

from tests.references import frame_averaging as reference


def test_frame_of_an_axis_aligned_cloud_by_hand():
    # Spread 2 along x, 1 along y, centred at (1, 1): eigenvectors e_y then
    # e_x (ascending eigenvalues), up to signs: 4 frames for O(2), 2 for
    # SO(2).
    cloud = np.array([[3.0, 1.0], [-1.0, 1.0], [1.0, 2.0], [1.0, 0.0]])
    centroid, rotations = reference.np_frame(cloud)
    np.testing.assert_allclose(centroid, [1.0, 1.0])
    self_check = {tuple(np.round(np.abs(r), 6).ravel()) for r in rotations}
    assert self_check == {(0.0, 1.0, 1.0, 0.0)}
    assert len(rotations) == 4
    assert len(reference.np_frame(cloud, "SO(d)")[1]) == 2


def test_separated_cloud_has_the_asked_covariance():
    cloud = reference.separated_cloud(np.random.default_rng(0), 12,
                                      [3.0, 2.0, 1.0])
    np.testing.assert_allclose(cloud.T @ cloud / 12, np.diag([9.0, 4.0, 1.0]),
                               atol=1e-10)
