"""NumPy reference for rotation-view pooling; no keras here."""

import numpy as np


def np_dihedral_views(images):
    """The 4 rotations of (B, H, W, C) images by 90 degrees, then the 4
    rotations of their mirror image (left-right flip)."""
    images = np.asarray(images)
    rotations = [np.rot90(images, k, axes=(1, 2)) for k in range(4)]
    mirrored = images[:, :, ::-1]
    reflections = [np.rot90(mirrored, k, axes=(1, 2)) for k in range(4)]
    return rotations + reflections


def np_rotation_view_average(fn, images):
    """mean over the 8 views v of fn(v)."""
    return np.mean([fn(view) for view in np_dihedral_views(images)], axis=0)
