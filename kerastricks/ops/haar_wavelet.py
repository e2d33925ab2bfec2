"""Single-level 2-D Haar discrete wavelet transform and its inverse, as
used by WaveMix ("WaveMix: A Resource-efficient Neural Network for Image
Analysis", Jeevan, Viswanathan and Sethi, 2022, arXiv 2205.14375).

The transform is orthonormal: each 2x2 block `[[a, b], [c, d]]` (a at an
even row and even column) gives

    LL = (a + b + c + d) / 2    low along rows and columns
    LH = (a + b - c - d) / 2    low along the width, high along the height
    HL = (a - b + c - d) / 2    high along the width, low along the height
    HH = (a - b - c + d) / 2    high along both

the coefficients of `pywt.dwt2(x, "haar")` (cA, cH, cV, cD) and of the
`DWTForward(J=1, wave="db1")` transform of the official WaveMix code. The
four subbands are concatenated on the channel axis, subband-major: LL of
every channel, then LH, HL and HH.
"""

from keras import ops

DATA_FORMATS = ("channels_last", "channels_first")


def _axes(data_format):
    """(row axis, column axis, channel axis) of a rank-4 tensor."""
    if data_format == "channels_first":
        return 2, 3, 1
    return 1, 2, 3


def channel_axis(data_format):
    return _axes(data_format)[2]


def _scaled(size, factor):
    return None if size is None else int(size * factor)


def dwt_output_shape(shape, data_format="channels_last"):
    """The static shape `haar_dwt2d` returns for an input of `shape`."""
    shape = list(shape)
    row_axis, column_axis, channels_axis = _axes(data_format)
    shape[row_axis] = _scaled(shape[row_axis], 0.5)
    shape[column_axis] = _scaled(shape[column_axis], 0.5)
    shape[channels_axis] = _scaled(shape[channels_axis], 4)
    return tuple(shape)


def inverse_dwt_output_shape(shape, data_format="channels_last"):
    """The static shape `inverse_haar_dwt2d` returns for `shape`."""
    shape = list(shape)
    row_axis, column_axis, channels_axis = _axes(data_format)
    shape[row_axis] = _scaled(shape[row_axis], 2)
    shape[column_axis] = _scaled(shape[column_axis], 2)
    shape[channels_axis] = _scaled(shape[channels_axis], 0.25)
    return tuple(shape)


def _every_other(x, axis, start):
    index = [slice(None)] * 4
    index[axis] = slice(start, None, 2)
    return x[tuple(index)]


def check_even_spatial_size(owner, name, shape, data_format):
    """Raises `ValueError` when a statically known height or width of the
    rank-4 `shape` is odd (the single-level Haar DWT halves both)."""
    row_axis, column_axis, _ = _axes(data_format)
    height, width = shape[row_axis], shape[column_axis]
    if (height is not None and height % 2) or (width is not None
                                               and width % 2):
        raise ValueError(
            f"{owner} needs an even height and width of `{name}` (the Haar "
            "DWT halves both; pad or crop the input first). Received: "
            f"{name} of shape {tuple(shape)} ({data_format})")


def haar_dwt2d(x, data_format="channels_last"):
    """Single-level orthonormal 2-D Haar DWT of a rank-4 tensor.

    `(B, H, W, C)` becomes `(B, H/2, W/2, 4C)` (`(B, C, H, W)` becomes
    `(B, 4C, H/2, W/2)` for `"channels_first"`), the subbands LL, LH, HL,
    HH concatenated on the channel axis. H and W must be even.
    """
    row_axis, column_axis, channels_axis = _axes(data_format)
    check_even_spatial_size("haar_dwt2d", "x", x.shape, data_format)
    top = _every_other(x, row_axis, 0)
    bottom = _every_other(x, row_axis, 1)
    a = _every_other(top, column_axis, 0)
    b = _every_other(top, column_axis, 1)
    c = _every_other(bottom, column_axis, 0)
    d = _every_other(bottom, column_axis, 1)
    # Sums first, then the 1/2: the rows pair up (a + b, c + d) and the
    # columns (a - b, c - d), each computed once.
    top_sum, bottom_sum = a + b, c + d
    top_difference, bottom_difference = a - b, c - d
    subbands = [
        top_sum + bottom_sum,                   # LL
        top_sum - bottom_sum,                   # LH
        top_difference + bottom_difference,     # HL
        top_difference - bottom_difference,     # HH
    ]
    half = ops.cast(0.5, x.dtype)
    return ops.concatenate(subbands, axis=channels_axis) * half


def inverse_haar_dwt2d(x, data_format="channels_last"):
    """Inverse of `haar_dwt2d`: `(B, h, w, 4C)` to `(B, 2h, 2w, C)` (or the
    channels_first layouts); the channel count must be a multiple of 4."""
    row_axis, column_axis, channels_axis = _axes(data_format)
    channels = x.shape[channels_axis]
    if channels is not None and channels % 4:
        raise ValueError(
            "inverse_haar_dwt2d needs a channel count divisible by 4 (the "
            "LL, LH, HL and HH subbands). Received: x of shape "
            f"{tuple(x.shape)} ({data_format})")
    ll, lh, hl, hh = ops.split(x, 4, axis=channels_axis)
    low_rows, high_rows = ll + lh, ll - lh
    low_columns, high_columns = hl + hh, hl - hh
    half = ops.cast(0.5, x.dtype)
    a = (low_rows + low_columns) * half
    b = (low_rows - low_columns) * half
    c = (high_rows + high_columns) * half
    d = (high_rows - high_columns) * half
    top = _interleave(a, b, column_axis)
    bottom = _interleave(c, d, column_axis)
    return _interleave(top, bottom, row_axis)


def _interleave(even, odd, axis):
    """Tensor whose entries along `axis` alternate even[0], odd[0], ..."""
    shape = list(ops.shape(even))
    stacked = ops.stack([even, odd], axis=axis + 1)
    shape[0] = -1
    shape[axis] = shape[axis] * 2
    return ops.reshape(stacked, tuple(shape))
