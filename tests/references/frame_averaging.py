"""NumPy reference for frame averaging ("Frame Averaging for Invariant and
Equivariant Network Design", Puny et al., ICLR 2022, arXiv 2110.03336),
written from the paper's PCA frame for E(d) and SE(d). Never imports keras
or kerastricks.
"""

import itertools

import numpy as np


def np_frame(points, group="O(d)"):
    """The frame of one cloud `(n, d)`: centroid t and the list of R."""
    points = np.asarray(points, np.float64)
    centroid = points.mean(axis=0)
    centered = points - centroid
    _, vectors = np.linalg.eigh(centered.T @ centered / len(points))
    rotations = []
    for signs in itertools.product((1.0, -1.0), repeat=points.shape[1]):
        rotation = vectors @ np.diag(signs)
        if group == "SO(d)" and np.linalg.det(rotation) < 0:
            continue
        rotations.append(rotation)
    return centroid, rotations


def np_frame_averaging(points, encoder, mode="invariant", group="O(d)"):
    """`mean_R encoder((X - t) R)`, or `mean_R encoder((X - t) R) R^T`
    for `"equivariant"`; `encoder` maps one `(n, d)` cloud to an array."""
    outputs = []
    for cloud in np.asarray(points, np.float64):
        centroid, rotations = np_frame(cloud, group)
        per_frame = []
        for rotation in rotations:
            out = np.asarray(encoder((cloud - centroid) @ rotation))
            if mode == "equivariant":
                out = out @ rotation.T
            per_frame.append(out)
        outputs.append(np.mean(per_frame, axis=0))
    return np.stack(outputs)


def separated_cloud(rng, num_points, spreads):
    """A centered cloud whose covariance is exactly diag(spreads ** 2): its
    eigenvalues are as well separated as the spreads."""
    cloud = rng.normal(size=(num_points, len(spreads)))
    cloud -= cloud.mean(axis=0)
    values, vectors = np.linalg.eigh(cloud.T @ cloud / num_points)
    whitened = cloud @ vectors @ np.diag(values ** -0.5) @ vectors.T
    return whitened * np.asarray(spreads)


def random_orthogonal(rng, dimension, proper=None):
    """A random orthogonal matrix; `proper=True` gives det +1, `False` -1."""
    q, r = np.linalg.qr(rng.normal(size=(dimension, dimension)))
    q = q * np.sign(np.diag(r))
    if proper is not None and (np.linalg.det(q) > 0) != proper:
        q[:, 0] = -q[:, 0]
    return q
