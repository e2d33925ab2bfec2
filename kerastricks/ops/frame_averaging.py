"""PCA frames of point clouds for frame averaging ("Frame Averaging for
Invariant and Equivariant Network Design", Puny, Atzmon, Ben-Hamu, Misra,
Grover, Smith and Lipman, ICLR 2022, arXiv 2110.03336)."""

import itertools

import keras
from keras import ops

GROUPS = ("O(d)", "SO(d)")


def sign_patterns(dimension, group="O(d)"):
    """The diagonal sign matrices of a frame, as a `(count, d)` list.

    All 2^d sign choices for `"O(d)"`; for `"SO(d)"` the 2^(d-1) with an
    even number of flips (determinant +1).
    """
    patterns = [list(signs) for signs in itertools.product(
        (1.0, -1.0), repeat=dimension)]
    if group == "SO(d)":
        patterns = [p for p in patterns if p.count(-1.0) % 2 == 0]
    return patterns


def pca_frames(points, group="O(d)"):
    """The frame of each point cloud: its centroid and the PCA rotations.

    The centroid t makes the frame translation equivariant; the eigenvectors
    V of the centered covariance (ascending eigenvalues), each column up to
    its sign, make it rotation and reflection equivariant. The frame holds
    every sign choice, so the arbitrary signs an eigensolver returns do not
    matter:

    ```python
    t = mean(points, axis=points)                       # (batch, 1, d)
    C = (points - t)^T (points - t) / n                 # (batch, d, d)
    V = eigenvectors(C)        # for SO(d): last column times det(V)
    frames = [V @ diag(s) for s in sign_patterns(d, group)]
    ```

    The frame is well defined only when the covariance's eigenvalues are
    distinct; near a repeated eigenvalue the eigenvectors (and so the
    averaged model) change discontinuously.

    Args:
        points: tensor `(batch, n, d)`.
        group: `"O(d)"` (rotations and reflections: 2^d frames) or
            `"SO(d)"` (rotations only: 2^(d-1) frames). Defaults to
            `"O(d)"`.

    Returns:
        `(centroid, rotations)`: float32 (float64 for float64 points)
        tensors of shapes `(batch, 1, d)` and `(batch, frames, d, d)`;
        `(points - centroid) @ rotations[:, f]` are the canonical points of
        frame f.

    Example:

    >>> centroid, rotations = kerastricks.ops.pca_frames(
    ...     np.array([[[0.0, 0.0], [4.0, 0.0], [2.0, 1.0], [2.0, -1.0]]]))
    >>> [float(c) for c in centroid[0, 0]], tuple(rotations.shape)
    ([2.0, 0.0], (1, 4, 2, 2))
    """
    points = ops.convert_to_tensor(points)
    dtype = keras.backend.standardize_dtype(points.dtype)
    compute_dtype = "float64" if dtype == "float64" else "float32"
    points = ops.cast(points, compute_dtype)
    dimension = points.shape[-1]
    centroid = ops.mean(points, axis=1, keepdims=True)
    centered = points - centroid
    covariance = ops.matmul(ops.transpose(centered, (0, 2, 1)), centered)
    covariance = covariance / ops.cast(ops.shape(points)[1], compute_dtype)
    _, vectors = ops.eigh(covariance)
    if group == "SO(d)":
        # A proper rotation: flip the last column where det(V) = -1; the
        # even sign patterns then keep the determinant at +1.
        determinant = ops.sign(ops.det(vectors))
        fix = ops.concatenate(
            [ops.ones_like(vectors[..., :-1]),
             ops.broadcast_to(determinant[:, None, None],
                              ops.shape(vectors[..., -1:]))], axis=-1)
        vectors = vectors * fix
    signs = ops.convert_to_tensor(sign_patterns(dimension, group),
                                  compute_dtype)
    rotations = vectors[:, None, :, :] * signs[None, :, None, :]
    return centroid, rotations
