"""Scaled long skip connections of a UNet ("ScaleLong: Towards More Stable
Training of Diffusion Model via Scaling Network Long Skip Connection",
Huang et al., NeurIPS 2023, arXiv 2310.13545)."""

from keras import ops


def constant_skip_scaling(skip, kappa, skip_index):
    """CS: the long skip `skip_index` (0 for the outermost one, at the
    input's resolution) scaled by `kappa ** skip_index`."""
    skip = ops.convert_to_tensor(skip)
    return skip * ops.cast(kappa**skip_index, skip.dtype)


def learnable_skip_scaling(skip, hidden_kernel, hidden_bias, output_kernel,
                           output_bias):
    """LS: `skip` times a per-position coefficient in (0, 1) from a small
    calibration network, as the authors' code: the features are averaged
    over the channel (last) axis, the resulting map of positions goes
    through `Dense(positions // r) -> ReLU -> Dense(positions) -> sigmoid`,
    and each position of `skip` is scaled by its coefficient.

    `skip` is `(batch, positions..., channels)`; the kernels are
    `(positions, units)` and `(units, positions)`. Returns the scaled skip
    and the coefficients `(batch, positions..., 1)`.
    """
    skip = ops.convert_to_tensor(skip)
    squeezed = ops.mean(skip, axis=-1)
    positions = hidden_kernel.shape[0]
    flat = ops.reshape(squeezed, (-1, positions))
    hidden = ops.relu(ops.matmul(flat, ops.cast(hidden_kernel, skip.dtype))
                      + ops.cast(hidden_bias, skip.dtype))
    coefficients = ops.sigmoid(
        ops.matmul(hidden, ops.cast(output_kernel, skip.dtype))
        + ops.cast(output_bias, skip.dtype))
    coefficients = ops.reshape(coefficients,
                               (-1,) + tuple(skip.shape[1:-1]) + (1,))
    return skip * coefficients, coefficients
