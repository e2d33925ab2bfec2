"""The fast Walsh–Hadamard transform, in `keras.ops`.

The transform behind the Fastfood projection of "Measuring the Intrinsic
Dimension of Objective Landscapes" (Li et al., 2018, arXiv 1804.08838).
"""

from keras import ops


def _check_power_of_two(length):
    if length is None or length < 1 or length & (length - 1):
        raise ValueError(
            "The Walsh-Hadamard transform needs an axis whose size is a "
            f"power of two (pad it first). Received: size={length}")


def fast_walsh_hadamard_transform(x, axis=-1, normalize=False):
    """Multiplies `x` along `axis` by the Walsh–Hadamard matrix H.

    H is the Sylvester Hadamard matrix of size `L = 2**k`,
    `H[i, j] = (-1) ** popcount(i & j)`, symmetric with `H @ H = L * I`.
    The transform runs in `k` butterfly stages (O(L log L) work) instead of
    a dense `L x L` product; every stage is a static reshape, so it
    compiles under `jit` on every backend.

    ```python
    for half in 1, 2, 4, ..., L / 2:      # one bit of the index per stage
        a, b = x[i], x[i + half]          # i with that bit unset
        x[i], x[i + half] = a + b, a - b
    y = x / sqrt(L) if normalize else x
    ```

    Args:
        x: float tensor whose `axis` has a power-of-two size `L`.
        axis: int, the axis transformed. Defaults to `-1`.
        normalize: bool, divide by `sqrt(L)` so that the transform is
            orthonormal (and its own inverse). Defaults to `False`.

    Returns:
        A tensor of the shape of `x`: `H x` along `axis`.

    Example:

    >>> y = kerastricks.ops.fast_walsh_hadamard_transform(
    ...     np.array([1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]))
    >>> keras.ops.convert_to_numpy(y).tolist()
    [4.0, 2.0, 0.0, -2.0, 0.0, 2.0, 0.0, 2.0]

    References:
        - [Li et al., 2018](https://arxiv.org/abs/1804.08838), "Measuring
          the Intrinsic Dimension of Objective Landscapes".
        - [Le et al., 2013](https://proceedings.mlr.press/v28/le13.html),
          "Fastfood: Approximating Kernel Expansions in Loglinear Time".
    """
    x = ops.convert_to_tensor(x)
    rank = len(x.shape)
    if not isinstance(axis, int) or isinstance(axis, bool) or not (
            -rank <= axis < rank):
        raise ValueError(
            f"Argument `axis` must be an int in [{-rank}, {rank}). "
            f"Received: axis={axis!r}")
    x = ops.moveaxis(x, axis, -1)
    shape = x.shape
    length = shape[-1]
    _check_power_of_two(length)
    flat = ops.reshape(x, (-1, length))
    half = 1
    while half < length:
        blocks = ops.reshape(flat, (-1, length // (2 * half), 2, half))
        first, second = blocks[:, :, 0, :], blocks[:, :, 1, :]
        flat = ops.reshape(
            ops.stack([first + second, first - second], axis=2),
            (-1, length))
        half *= 2
    if normalize:
        flat = flat / ops.sqrt(ops.cast(length, flat.dtype))
    return ops.moveaxis(ops.reshape(flat, shape), -1, axis)
