"""Interval arithmetic through network layers, and the certified-training
objective of "On the Effectiveness of Interval Bound Propagation for
Training Verifiably Robust Models" (Gowal et al., 2018, arXiv 1810.12715).

An affine layer maps the box `[lower, upper]` to the box with centre
`layer(mu)` and radius `|W| r` (mu and r the centre and radius of the input
box); a monotone elementwise function maps the bounds themselves.
"""

from keras import ops

# Activations that are monotone non-decreasing, so f([l, u]) = [f(l), f(u)].
MONOTONE_ACTIVATIONS = ("linear", "relu", "relu6", "sigmoid", "tanh",
                        "softplus", "elu", "leaky_relu", "hard_sigmoid")


def _centre_radius(lower, upper):
    return (upper + lower) / 2.0, (upper - lower) / 2.0


def interval_dense(lower, upper, kernel, bias=None):
    """Bounds of `x @ kernel + bias` for `lower <= x <= upper`."""
    centre, radius = _centre_radius(lower, upper)
    centre = ops.matmul(centre, kernel)
    if bias is not None:
        centre = centre + bias
    radius = ops.matmul(radius, ops.abs(kernel))
    return centre - radius, centre + radius


def interval_conv(lower, upper, kernel, bias=None, strides=1,
                  padding="valid", data_format="channels_last",
                  dilation_rate=1):
    """Bounds of `conv(x, kernel) + bias` (as `keras.ops.conv`)."""
    options = {"strides": strides, "padding": padding,
               "data_format": data_format, "dilation_rate": dilation_rate}
    centre, radius = _centre_radius(lower, upper)
    centre = ops.conv(centre, kernel, **options)
    if bias is not None:
        shape = ((1, -1) + (1,) * (len(centre.shape) - 2)
                 if data_format == "channels_first" else (-1,))
        centre = centre + ops.reshape(bias, shape)
    radius = ops.conv(radius, ops.abs(kernel), **options)
    return centre - radius, centre + radius


def interval_scale_shift(lower, upper, scale, shift):
    """Bounds of `scale * x + shift` (elementwise, any sign of scale), the
    form of batch normalization at inference."""
    centre, radius = _centre_radius(lower, upper)
    centre = scale * centre + shift
    radius = ops.abs(scale) * radius
    return centre - radius, centre + radius


def worst_case_logits(lower, upper, y_true):
    """The specification logits of the paper: the lower bound for the true
    class, the upper bound for every other class.

    Args:
        lower: float `(batch, classes)` lower bounds of the logits.
        upper: float `(batch, classes)` upper bounds.
        y_true: class ids `(batch,)` or `(batch, 1)`, or one-hot targets
            `(batch, classes)`.

    Returns:
        Float `(batch, classes)` logits: any input in the box scores the
        true class at least, and each other class at most, this much.
    """
    num_classes = lower.shape[-1]
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == 2 and y_true.shape[-1] == num_classes and (
            num_classes != 1):
        is_true = ops.cast(y_true, lower.dtype) > 0.5
    else:
        ids = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        is_true = ops.one_hot(ids, num_classes, dtype=lower.dtype) > 0.5
    return ops.where(is_true, lower, upper)


def ramp_fraction(step, warmup_steps, ramp_steps):
    """`clip((step - warmup_steps) / ramp_steps, 0, 1)` as float32: the
    paper's linear ramp of epsilon (from 0) and kappa (from 1)."""
    step = ops.cast(step, "float32")
    if ramp_steps == 0:
        return ops.cast(step >= warmup_steps, "float32")
    return ops.clip((step - warmup_steps) / float(ramp_steps), 0.0, 1.0)
