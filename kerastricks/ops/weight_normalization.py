"""The reparameterization and data-dependent initialization of weight
normalization ("Weight Normalization: A Simple Reparameterization to
Accelerate Training of Deep Neural Networks", Salimans and Kingma,
NeurIPS 2016, arXiv 1602.07868)."""

import keras
from keras import ops

# The floor of the squared norm, as tf.math.l2_normalize (tensorflow-addons).
_NORM_EPSILON = 1e-12


def weight_normalize(kernel, scale):
    """`scale * kernel / ||kernel||`, one norm per output channel.

    The norm runs over every axis but the last, the output-channel axis of
    Keras's `Dense` (`(in, out)`) and `Conv*D` (`(*kernel_size, in, out)`)
    kernels:

    ```python
    w = scale * v / sqrt(max(sum(v**2, axis=all but last), 1e-12))
    ```

    The arithmetic runs in float32 at least; the result has the kernel's
    dtype.

    Args:
        kernel: tensor v, the direction, channels last.
        scale: tensor g of shape `(channels,)`.

    Returns:
        The kernel w, shaped like `kernel`.

    Example:

    >>> w = kerastricks.ops.weight_normalize(
    ...     np.array([[3.0], [4.0]]), np.array([2.0]))
    >>> [float(value) for value in w[:, 0]]
    [1.2, 1.6]
    """
    kernel = ops.convert_to_tensor(kernel)
    dtype = keras.backend.standardize_dtype(kernel.dtype)
    compute_dtype = "float64" if dtype == "float64" else "float32"
    v = ops.cast(kernel, compute_dtype)
    axes = tuple(range(len(kernel.shape) - 1))
    squared_norm = ops.sum(ops.square(v), axis=axes, keepdims=True)
    direction = v * ops.rsqrt(ops.maximum(squared_norm, _NORM_EPSILON))
    return ops.cast(direction * ops.cast(scale, compute_dtype), dtype)


def weight_normalization_data_init(pre_activations, channel_axis=-1,
                                   epsilon=1e-10):
    """The paper's data-dependent initial scale and bias.

    Given the pre-activations `t = x · v / ||v||` of a batch (without
    bias), the scale g and bias b that give `g * t + b` zero mean and unit
    variance per channel (section 3 of the paper):

    ```python
    mean, variance = moments of t over every axis but channel_axis
    g = 1 / sqrt(variance + epsilon)
    b = -mean * g
    ```

    Args:
        pre_activations: tensor t, at least rank 2.
        channel_axis: int, the axis of the channels. Defaults to `-1`.
        epsilon: float >= 0 added to the variance (tensorflow-addons's
            value). Defaults to `1e-10`.

    Returns:
        `(scale, bias)`, two float32 (float64 for float64 inputs) tensors of
        shape `(channels,)`.

    Example:

    >>> scale, bias = kerastricks.ops.weight_normalization_data_init(
    ...     np.array([[1.0], [3.0]]))
    >>> [round(float(scale[0]), 4), round(float(bias[0]), 4)]
    [1.0, -2.0]
    """
    pre_activations = ops.convert_to_tensor(pre_activations)
    dtype = keras.backend.standardize_dtype(pre_activations.dtype)
    compute_dtype = "float64" if dtype == "float64" else "float32"
    t = ops.cast(pre_activations, compute_dtype)
    rank = len(t.shape)
    channel_axis = channel_axis % rank
    axes = tuple(axis for axis in range(rank) if axis != channel_axis)
    mean, variance = ops.moments(t, axes=axes)
    scale = ops.rsqrt(variance + epsilon)
    return scale, -mean * scale
