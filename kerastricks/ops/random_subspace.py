"""The random projections of "Measuring the Intrinsic Dimension of
Objective Landscapes" (Li et al., 2018, arXiv 1804.08838): each maps a
d-dimensional vector θ_d onto an offset of all D weights, `P θ_d`."""

import math

from keras import ops

from kerastricks.ops.walsh_hadamard import fast_walsh_hadamard_transform


def dense_projection(vector, projection):
    """`P @ vector` for a dense `(D, d)` projection matrix `P`.

    ```python
    offset = P @ theta_d        # P[:, j] random, unit length
    ```

    Args:
        vector: float tensor `(d,)`, θ_d.
        projection: float tensor `(D, d)`, P.

    Returns:
        A `(D,)` tensor.

    Example:

    >>> offset = kerastricks.ops.dense_projection(
    ...     np.ones(2, "float32"), np.eye(3, 2, dtype="float32"))
    >>> keras.ops.convert_to_numpy(offset).tolist()
    [1.0, 1.0, 0.0]

    References:
        - [Li et al., 2018](https://arxiv.org/abs/1804.08838), "Measuring
          the Intrinsic Dimension of Objective Landscapes".
    """
    vector = ops.convert_to_tensor(vector)
    projection = ops.cast(projection, vector.dtype)
    return ops.matmul(projection, vector)


def sparse_projection(vector, rows, columns, values, output_dim):
    """`P @ vector` for a sparse `P` given by its non-zero entries.

    ```python
    offset[r] = sum(values[k] * theta_d[columns[k]] for k with rows[k] == r)
    ```

    Args:
        vector: float tensor `(d,)`, θ_d.
        rows: int tensor `(nnz,)`, the row (weight index) of each entry.
        columns: int tensor `(nnz,)`, the column (index into θ_d).
        values: float tensor `(nnz,)`, the entries.
        output_dim: int, D, the number of rows.

    Returns:
        A `(D,)` tensor.

    Example:

    >>> offset = kerastricks.ops.sparse_projection(
    ...     np.array([1.0, 2.0]), rows=np.array([0, 2]),
    ...     columns=np.array([1, 0]), values=np.array([3.0, -1.0]),
    ...     output_dim=3)
    >>> keras.ops.convert_to_numpy(offset).tolist()
    [6.0, 0.0, -1.0]

    References:
        - [Li et al., 2018](https://arxiv.org/abs/1804.08838), "Measuring
          the Intrinsic Dimension of Objective Landscapes".
        - [Li et al., 2006](https://doi.org/10.1145/1150402.1150436),
          "Very Sparse Random Projections".
    """
    vector = ops.convert_to_tensor(vector)
    terms = ops.cast(values, vector.dtype) * ops.take(
        vector, ops.cast(columns, "int32"))
    return ops.segment_sum(terms, ops.cast(rows, "int32"),
                           num_segments=int(output_dim))


def fastfood_projection(vector, signs, permutation, gaussian, output_dim):
    """The Fastfood projection `P θ_d` of Li et al. (2018), `d` to `D`.

    θ_d is zero-padded to `L = 2**ceil(log2 D)`; `H` is the unnormalized
    Walsh–Hadamard matrix, `B` a diagonal of random signs, `Π` a random
    permutation and `G` a diagonal of standard normals. Every column of
    `H G Π H B` has norm `sqrt(L) ||G||`, so dividing by that makes the
    `L x L` matrix's columns unit length; its first `D` rows are then
    rescaled by `sqrt(L / D)`, which keeps the expected squared column
    norm at one (the authors' normalisation).

    ```python
    v = H @ (signs * pad(theta_d, L))
    v = H @ (gaussian * v[permutation])
    offset = v[:D] / (sqrt(L) * norm(gaussian) * sqrt(D / L))
    ```

    Args:
        vector: float tensor `(d,)`, θ_d, with `d <= L`.
        signs: float tensor `(L,)` of ±1, B.
        permutation: int tensor `(L,)`, Π: `v[permutation]`.
        gaussian: float tensor `(L,)`, G.
        output_dim: int, D, with `L / 2 < D <= L`.

    Returns:
        A `(D,)` tensor.

    Example:

    >>> offset = kerastricks.ops.fastfood_projection(
    ...     np.array([1.0, 0.0]), signs=np.ones(4), permutation=np.arange(4),
    ...     gaussian=np.ones(4), output_dim=4)
    >>> keras.ops.convert_to_numpy(offset).tolist()
    [1.0, 0.0, 0.0, 0.0]

    References:
        - [Li et al., 2018](https://arxiv.org/abs/1804.08838), "Measuring
          the Intrinsic Dimension of Objective Landscapes".
        - [Le et al., 2013](https://proceedings.mlr.press/v28/le13.html),
          "Fastfood: Approximating Kernel Expansions in Loglinear Time".
    """
    vector = ops.convert_to_tensor(vector)
    dtype = vector.dtype
    length = signs.shape[0]
    dimension = vector.shape[0]
    output_dim = int(output_dim)
    if dimension > length or not length // 2 < output_dim <= length:
        raise ValueError(
            "fastfood_projection needs d <= L and L / 2 < D <= L for the "
            f"padded length L. Received: d={dimension}, D={output_dim}, "
            f"L={length}")
    padded = ops.pad(vector, [(0, length - dimension)])
    mixed = fast_walsh_hadamard_transform(ops.cast(signs, dtype) * padded)
    mixed = ops.take(mixed, ops.cast(permutation, "int32"))
    gaussian = ops.cast(gaussian, dtype)
    mixed = fast_walsh_hadamard_transform(gaussian * mixed)
    scale = ops.sqrt(ops.sum(ops.square(gaussian))) * math.sqrt(output_dim)
    return mixed[:output_dim] / scale
