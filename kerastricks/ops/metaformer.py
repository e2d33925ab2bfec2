"""The pieces of a MetaFormer block ("MetaFormer Is Actually What You Need
for Vision", Yu et al., CVPR 2022, arXiv 2111.11418): PoolFormer's pooling
token mixer and per-example stochastic depth."""

import keras
from keras import ops


def _box_sum(x, pool_size, spatial_axes):
    """Sum over the `pool_size` window centred at every position, with zeros
    outside the map, computed as `pool_size - 1` adds of shifted slices per
    axis: exact where the sums are (no convolution, whose TF32 or bfloat16
    accumulation on accelerators would round the inputs)."""
    half = pool_size // 2
    for axis in spatial_axes:
        padding = [(0, 0)] * len(x.shape)
        padding[axis] = (half, half)
        padded = ops.pad(x, padding)
        total = None
        for offset in range(pool_size):
            index = [slice(None)] * len(x.shape)
            stop = offset - (pool_size - 1)
            index[axis] = slice(offset, stop if stop else None)
            window = padded[tuple(index)]
            total = window if total is None else total + window
        x = total
    return x


def pooling_token_mixer(x, pool_size=3, data_format="channels_last"):
    """PoolFormer's token mixer: `AvgPool(x) - x`.

    The average runs over the `pool_size x pool_size` window centred at each
    position with stride 1, and at the borders over the positions inside the
    map only (PyTorch's `count_include_pad=False`, as the official code): a
    constant map mixes to exactly zero everywhere.

    Args:
        x: `(batch, height, width, channels)` (or channels first).
        pool_size: odd int, the window side.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        A tensor of x's shape and dtype.
    """
    spatial_axes = (1, 2) if data_format == "channels_last" else (2, 3)
    sums = _box_sum(x, pool_size, spatial_axes)
    # The window count of each position: a (1, H, W, 1) box sum of ones.
    if data_format == "channels_last":
        ones = ops.ones_like(x[:1, :, :, :1])
    else:
        ones = ops.ones_like(x[:1, :1])
    counts = _box_sum(ones, pool_size, spatial_axes)
    return sums / counts - x


def stochastic_depth(x, rate, seed=None):
    """Per-example residual-branch dropout ("drop path", Huang et al.,
    2016): each example's `x` is zeroed with probability `rate`, and the
    kept ones are scaled by `1 / (1 - rate)` so the expectation is `x`.

    Args:
        x: `(batch, ...)`.
        rate: float in [0, 1).
        seed: a `keras.random.SeedGenerator`, an int or None.
    """
    if rate == 0:
        return x
    keep = 1.0 - rate
    shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
    draws = keras.random.uniform(shape, seed=seed, dtype="float32")
    mask = ops.cast(draws < keep, x.dtype)
    return x * mask / ops.cast(keep, x.dtype)
