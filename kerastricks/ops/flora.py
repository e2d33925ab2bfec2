"""The Tucker-form weight update of FLoRA ("FLoRA: Low-Rank Core Space for
N-dimension", Si, Wang, Yang, Xu, Li, Dai, Qiao, Yang and Shen, 2024,
arXiv 2405.14739)."""

import keras
from keras import ops


def flora_delta(core, factors, scale=1.0):
    """The update `scale * core x_1 U_1 x_2 U_2 ... x_N U_N` of an N-D kernel.

    A Tucker decomposition around a small core: the core `G` has one axis
    per kernel axis, of size `r_i`, and each factor `U_i` of shape
    `(n_i, r_i)` maps the core's axis i to the kernel's axis of size `n_i`.
    The result keeps the kernel's N-dimensional structure (a convolution
    kernel is not flattened into a matrix first, as LoRA does).

    ```python
    delta[i_1, ..., i_N] = scale * sum over (j_1, ..., j_N) of
        G[j_1, ..., j_N] * U_1[i_1, j_1] * ... * U_N[i_N, j_N]
    ```

    Computed in float32 at least; the result has the core's dtype.

    Args:
        core: tensor G of shape `(r_1, ..., r_N)`.
        factors: list of N tensors, `U_i` of shape `(n_i, r_i)`.
        scale: float, the multiplier of the update (s in the paper).
            Defaults to `1.0`.

    Returns:
        A tensor of shape `(n_1, ..., n_N)`.

    Example:

    >>> delta = kerastricks.ops.flora_delta(
    ...     np.ones((1, 1)), [np.array([[1.0], [2.0]]), np.array([[3.0]])])
    >>> [float(value) for value in delta[:, 0]]
    [3.0, 6.0]
    """
    core = ops.convert_to_tensor(core)
    dtype = keras.backend.standardize_dtype(core.dtype)
    compute_dtype = "float64" if dtype == "float64" else "float32"
    if len(factors) != len(core.shape):
        raise ValueError(
            "flora_delta needs one factor per axis of `core`. Received: "
            f"core of shape {tuple(core.shape)} and {len(factors)} factors")
    delta = ops.cast(core, compute_dtype)
    # Contracting the leading axis each time appends the kernel's axis at
    # the end: after N contractions the axes are (n_1, ..., n_N) in order.
    for factor in factors:
        factor = ops.cast(ops.convert_to_tensor(factor), compute_dtype)
        delta = ops.tensordot(delta, factor, axes=[[0], [1]])
    return ops.cast(delta * scale, dtype)
