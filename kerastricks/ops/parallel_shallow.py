"""The parallel shallow replacement of a residual stack ("Make Deep
Networks Shallow Again", Bermeitinger, Hrycej, Handschuh, 2023, arXiv
2309.08414)."""

from keras import ops


def parallel_shallow_block(inputs, kernel, bias, num_branches,
                           activation=ops.relu):
    """`x + sum_k activation(conv_k(x))`: the first-order truncation of the
    residual stack `x_k = x_(k-1) + activation(conv_k(x_(k-1)))`.

    The `num_branches` convolutions run as one wide convolution: `kernel`
    is `(kernel_h, kernel_w, channels, num_branches * channels)` (branch k
    owns output channels `k * channels` to `(k + 1) * channels`), `bias`
    `(num_branches * channels,)`, both in the layout of a stack of
    `Conv2D(channels, kernel_size, padding="same")` layers concatenated on
    the output axis. `inputs` is `(batch, height, width, channels)`.
    """
    inputs = ops.convert_to_tensor(inputs)
    channels = inputs.shape[-1]
    branches = activation(
        ops.conv(inputs, ops.cast(kernel, inputs.dtype), padding="same")
        + ops.cast(bias, inputs.dtype))
    # Static slices rather than a reshape: the spatial sizes may be
    # unknown while tracing.
    summed = branches[..., :channels]
    for branch in range(1, num_branches):
        summed = summed + branches[..., branch * channels:
                                   (branch + 1) * channels]
    return inputs + summed
