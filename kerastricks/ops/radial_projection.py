"""The projection shared by AdamP and SGDP ("AdamP: Slowing Down the Slowdown
for Momentum Optimizers on Scale-invariant Weights", Heo et al., ICLR 2021,
arXiv 2006.08217)."""

import math

from keras import ops


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
    channels = shape[-1]
    numel = math.prod(shape)
    rows = numel // channels
    u = ops.reshape(update, (rows, channels))
    g = ops.reshape(gradient, (rows, channels))
    w = ops.reshape(variable, (rows, channels))

    # Per-channel sums of products, each read once; the whole-tensor ones are
    # their sums. Everything stays 2-D (1, C) / (1, 1): XLA on CPU fuses
    # these far better than scalar reductions broadcast back to (rows, C).
    def channel_sum(x):
        return ops.sum(x, axis=0, keepdims=True)

    def total(x):
        return ops.sum(x, axis=1, keepdims=True)

    g_dot_w = channel_sum(g * w)
    g_sq = channel_sum(g * g)
    w_sq = channel_sum(w * w)
    u_dot_w = channel_sum(u * w)

    # |cos| with each norm floored at epsilon, as torch's cosine_similarity.
    def cosine(dot, x_sq, y_sq):
        x_norm = ops.maximum(ops.sqrt(x_sq), epsilon)
        y_norm = ops.maximum(ops.sqrt(y_sq), epsilon)
        return ops.abs(dot) / (x_norm * y_norm)

    channel_fires = ops.max(
        cosine(g_dot_w, g_sq, w_sq), axis=1, keepdims=True
    ) < delta / math.sqrt(rows)
    layer_fires = cosine(
        total(g_dot_w), total(g_sq), total(w_sq)
    ) < delta / math.sqrt(numel)

    # u - w_hat <w_hat, u> with w_hat = w / (|w| + eps) is u - w * coefficient.
    channel_coefficient = u_dot_w / ops.square(ops.sqrt(w_sq) + epsilon)
    layer_coefficient = total(u_dot_w) / ops.square(
        ops.sqrt(total(w_sq)) + epsilon
    )
    coefficient = ops.where(
        channel_fires,
        channel_coefficient,
        ops.where(layer_fires, layer_coefficient, 0.0),
    )
    projected = u - w * coefficient
    fired = ops.reshape(ops.logical_or(channel_fires, layer_fires), ())
    return ops.reshape(projected, shape), fired
