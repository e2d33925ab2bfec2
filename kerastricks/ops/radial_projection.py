"""The projection shared by AdamP and SGDP ("AdamP: Slowing Down the Slowdown
for Momentum Optimizers on Scale-invariant Weights", Heo et al., ICLR 2021,
arXiv 2006.08217)."""

import math

from keras import ops

from kerastricks.backend.channel_sums import channel_sums


def remove_radial_component(update, gradient, variable, delta=0.1,
                            epsilon=1e-8):
    """Projects `update` onto the tangent space of `variable` if it looks
    scale-invariant.

    The test runs on two views, first per output channel (Keras keeps output
    channels on the **last** axis of Dense and Conv kernels), then on the
    whole tensor. A view fires when the largest |cos(gradient, variable)| over
    its rows is below `delta / sqrt(row size)`; the update is then projected
    row by row: `u -= w_hat * <w_hat, u>`. Branch-free: both candidates are
    computed and selected with `where`, so the step traces once under jit.

    Args:
        update: the optimizer's step direction, same shape as `variable`.
        gradient: the raw gradient used for the scale-invariance test.
        variable: the current weights.
        delta: the cosine threshold δ. Defaults to `0.1`.
        epsilon: the norm floor. Defaults to `1e-8`.

    Returns:
        `(projected_update, fired)`: the new update and a scalar boolean
        tensor telling whether a projection was applied. Tensors of rank <= 1
        are returned unchanged with `fired=False`.
    """
    shape = tuple(variable.shape)
    if len(shape) <= 1:
        return update, ops.convert_to_tensor(False)
    test = ScaleInvarianceTest(gradient, variable, delta, epsilon)
    fired = ops.logical_or(test.channel_fires, test.layer_fires)
    # Where no view fires, the coefficient is 0 and the update passes as is.
    coefficient = ops.where(fired, test.coefficient(update), 0.0)
    projected = as_rows(update) - test.weights * coefficient
    return ops.reshape(projected, shape), ops.reshape(fired, ())


def as_rows(tensor):
    """`tensor` as (rows, output channels), the channels on the last axis."""
    channels = tensor.shape[-1]
    return ops.reshape(tensor, (math.prod(tensor.shape) // channels,
                                channels))


class ScaleInvarianceTest:
    """The two views of the AdamP test on a weight tensor of rank > 1 and
    the projection they select.

    Reads the gradient and the weights once for three per-channel sums
    (g·w, g·g, w·w, through the backend need `channel_sums`); the
    whole-tensor view sums those, so it costs no pass of its own.
    Everything stays 2-D, (1, C) and (1, 1): XLA on CPU fuses keepdims sums
    far better than scalar reductions broadcast back.

    Attributes:
        weights: the weights as (rows, channels).
        channel_fires: (1, 1) boolean, the per-channel view fires.
        layer_fires: (1, 1) boolean, the whole-tensor view fires (whatever
            the per-channel view says; the channel view takes precedence).
        fired: scalar boolean, either view fires.
    """

    def __init__(self, gradient, variable, delta, epsilon):
        self.weights = as_rows(variable)
        self.epsilon = epsilon
        g = as_rows(gradient)
        w = self.weights
        rows = w.shape[0]
        g_dot_w, g_sq, self.w_sq = channel_sums([(g, w), (g, g), (w, w)])
        self.channel_fires = ops.amax(
            _cosine(g_dot_w, g_sq, self.w_sq, epsilon), axis=1,
            keepdims=True) < delta / math.sqrt(rows)
        self.layer_fires = _cosine(
            _total(g_dot_w), _total(g_sq), _total(self.w_sq), epsilon
        ) < delta / math.sqrt(rows * w.shape[1])
        self.fired = ops.reshape(
            ops.logical_or(self.channel_fires, self.layer_fires), ())

    def coefficient(self, update):
        """`<w_hat, u> / (|w| + eps)` of the view that fires, per channel
        (1, C), so that the projected update is `u - w * coefficient`, with
        w_hat = w / (|w| + eps)."""
        (u_dot_w,) = channel_sums([(as_rows(update), self.weights)])
        channel = u_dot_w / ops.square(ops.sqrt(self.w_sq) + self.epsilon)
        layer = _total(u_dot_w) / ops.square(
            ops.sqrt(_total(self.w_sq)) + self.epsilon)
        return ops.where(self.channel_fires, channel, layer)


def _total(x):
    return ops.sum(x, axis=1, keepdims=True)


def _cosine(dot, x_sq, y_sq, epsilon):
    """|cos| with each norm floored at epsilon, as torch's
    cosine_similarity."""
    x_norm = ops.maximum(ops.sqrt(x_sq), epsilon)
    y_norm = ops.maximum(ops.sqrt(y_sq), epsilon)
    return ops.abs(dot) / (x_norm * y_norm)
