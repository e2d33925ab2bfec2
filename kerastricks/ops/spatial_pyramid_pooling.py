"""Spatial pyramid pooling (He et al., 2014, arXiv 1406.4729)."""

from keras import ops


def pyramid_bin_edges(size, bins):
    """`bins` (start, end) pairs covering `size` cells: start = floor(i*a/n),
    end = ceil((i+1)*a/n). Every bin is non-empty and the bins cover the map
    even when `size` is not a multiple of `bins`. `size` may be a Python int
    or a scalar integer tensor (unknown spatial size at trace time)."""
    return [
        ((i * size) // bins, ((i + 1) * size + bins - 1) // bins)
        for i in range(bins)
    ]


def _range_mask(positions, start, end):
    return ops.logical_and(positions >= start, positions < end)


def spatial_pyramid_pooling(inputs, bins=(1, 2, 4), mode="max",
                            data_format="channels_last"):
    """Pools a (B, H, W, C) map into a fixed-length (B, C * sum(n*n)) vector.

    For each pyramid level n the map is split into an n x n grid of bins and
    each bin is max- (or average-) pooled; levels are concatenated from the
    first, each level's bins in row-major order with C features each. Bins
    are selected with masks rather than slices, so H and W may be unknown
    until run time (e.g. a TensorFlow graph traced with `None` sizes).
    """
    if data_format == "channels_first":
        inputs = ops.transpose(inputs, (0, 2, 3, 1))
    shape = ops.shape(inputs)
    height, width = shape[1], shape[2]
    rows = ops.arange(height)
    columns = ops.arange(width)
    lowest = ops.cast(float("-inf"), inputs.dtype)
    pooled = []
    for n in bins:
        for top, bottom in pyramid_bin_edges(height, n):
            row_mask = _range_mask(rows, top, bottom)[:, None]
            for left, right in pyramid_bin_edges(width, n):
                column_mask = _range_mask(columns, left, right)[None, :]
                mask = ops.logical_and(row_mask, column_mask)[None, :, :,
                                                              None]
                if mode == "max":
                    pooled.append(
                        ops.amax(ops.where(mask, inputs, lowest), axis=(1, 2))
                    )
                else:
                    count = ops.cast((bottom - top) * (right - left),
                                     inputs.dtype)
                    total = ops.sum(ops.where(mask, inputs, 0.0), axis=(1, 2))
                    pooled.append(total / count)
    return ops.concatenate(pooled, axis=-1)
