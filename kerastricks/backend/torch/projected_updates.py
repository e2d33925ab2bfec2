"""AdamP and SGDP steps in place on the torch tensors behind the variables.

Eager torch runs one kernel per operation, each a full pass over memory, and
each out-of-place result is a fresh allocation; the generic `keras.ops` step
costs about 20 passes. These steps use the fused in-place kernels (`lerp_`,
`addcmul_`, `addcdiv_`) and decide the projection with a Python branch, so a
step that does not project costs what an Adam step costs, plus three
reductions. The maths is `kerastricks.ops.radial_projection`'s, rearranged:

- `m / (sqrt(v) / sqrt(c2) + eps) == sqrt(c2) * m / (sqrt(v) + eps *
  sqrt(c2))`, so the bias correction of `v` folds into the step size;
- the projection is linear in the update and the weight decay reads the
  weights before the step, so `w * (1 - decay) - s * (u - w * k)` is one
  scaling of `w` by `1 - decay + s * k` and one `add_` of `u`.
"""

import math

import torch


def _as_tensor(value, like):
    return torch.as_tensor(value, dtype=like.dtype, device=like.device)


# Full-size temporaries (the products summed per channel, Adam's
# denominator) live in buffers kept from step to step: on CPU a fresh
# temporary of a few MB is a fresh memory mapping, and its page faults cost
# about as much as the reductions themselves. One buffer per purpose, dtype
# and device, grown to the largest variable seen.
_scratch_buffers = {}


def _scratch_like(tensor, purpose):
    key = (purpose, tensor.dtype, tensor.device)
    buffer = _scratch_buffers.get(key)
    if buffer is None or buffer.numel() < tensor.numel():
        buffer = torch.empty(tensor.numel(), dtype=tensor.dtype,
                             device=tensor.device)
        _scratch_buffers[key] = buffer
    return buffer[:tensor.numel()].view(tensor.shape)


def _channel_sums(tensor_a, tensor_b):
    """Per-output-channel dot products of two (rows, channels) tensors."""
    products = torch.mul(tensor_a, tensor_b,
                         out=_scratch_like(tensor_a, "products"))
    return products.sum(dim=0)


class _ScaleInvarianceTest:
    """The two views of the AdamP test on a variable of rank > 1 (output
    channels last): which one fires, and `|w_c|` / `|w|` for the projection.
    """

    def __init__(self, gradient, weights, delta, epsilon):
        channels = weights.shape[-1]
        self.rows = weights.numel() // channels
        self.gradient = gradient.reshape(self.rows, channels)
        self.weights = weights.reshape(self.rows, channels)
        self.epsilon = epsilon
        g_dot_w = _channel_sums(self.gradient, self.weights)
        # One product and one sum each; vector_norm over dim 0 is slower.
        g_norm = torch.sqrt(_channel_sums(self.gradient, self.gradient))
        self.w_norm = torch.sqrt(_channel_sums(self.weights, self.weights))
        numel = self.weights.numel()
        channel_cosine = g_dot_w.abs() / (
            g_norm.clamp_min(epsilon) * self.w_norm.clamp_min(epsilon))
        self.channel_fires = bool(
            channel_cosine.max() < delta / math.sqrt(self.rows))
        self.layer_fires = False
        if not self.channel_fires:
            layer_g_norm = torch.linalg.vector_norm(g_norm)
            layer_w_norm = torch.linalg.vector_norm(self.w_norm)
            layer_cosine = g_dot_w.sum().abs() / (
                layer_g_norm.clamp_min(epsilon)
                * layer_w_norm.clamp_min(epsilon))
            self.layer_fires = bool(
                layer_cosine < delta / math.sqrt(numel))
        self.fired = self.channel_fires or self.layer_fires

    def coefficient(self, update):
        """`<w_hat, u> / (|w| + eps)` per channel (1, C) or for the layer,
        so that the projected update is `u - w * coefficient`."""
        u_dot_w = _channel_sums(update.reshape(self.weights.shape),
                                self.weights)
        if self.channel_fires:
            return (u_dot_w / torch.square(self.w_norm + self.epsilon))[None]
        w_norm = torch.linalg.vector_norm(self.w_norm)
        return u_dot_w.sum() / torch.square(w_norm + self.epsilon)


def _projected_step(weights, update, test, step_size, decay, wd_ratio):
    """`w <- w * (1 - decay * ratio) - step_size * project(u)` in place."""
    if test is None or not test.fired:
        if decay:
            weights.mul_(1.0 - decay)
        weights.add_(update, alpha=-step_size)
        return
    coefficient = test.coefficient(update)
    scale = 1.0 - decay * wd_ratio + step_size * coefficient
    weights.view(test.weights.shape).mul_(scale)
    weights.add_(update, alpha=-step_size)


@torch.no_grad()
def adamp_update(assign, variable, gradient, momentum, velocity,
                 learning_rate, step, beta_1, beta_2, epsilon, delta,
                 wd_ratio, weight_decay, nesterov):
    """One AdamP step on `variable`, `momentum` and `velocity` (Keras
    variables), in place; `assign` is not needed here. `weight_decay` is 0
    for a variable excluded from decay."""
    del assign
    weights = variable.value
    gradient = _as_tensor(gradient, weights)
    m = momentum.value
    v = velocity.value
    learning_rate = float(learning_rate)
    step = float(step)
    m.lerp_(gradient, 1.0 - beta_1)
    v.mul_(beta_2).addcmul_(gradient, gradient, value=1.0 - beta_2)
    root_correction_2 = math.sqrt(1.0 - beta_2**step)
    step_size = learning_rate / (1.0 - beta_1**step) * root_correction_2
    denominator = torch.sqrt(v, out=_scratch_like(v, "denominator")).add_(
        epsilon * root_correction_2)
    numerator = torch.lerp(m, gradient, 1.0 - beta_1) if nesterov else m
    decay = learning_rate * weight_decay
    test = None
    if weights.dim() > 1:
        test = _ScaleInvarianceTest(gradient, weights, delta, epsilon)
    if test is None or not test.fired:
        if decay:
            weights.mul_(1.0 - decay)
        weights.addcdiv_(numerator, denominator, value=-step_size)
        return
    update = numerator / denominator
    _projected_step(weights, update, test, step_size, decay, wd_ratio)


@torch.no_grad()
def sgdp_update(assign, variable, gradient, buffer, learning_rate, momentum,
                dampening, epsilon, delta, wd_ratio, weight_decay, nesterov):
    """One SGDP step on `variable` and `buffer` (Keras variables; `None`
    when `momentum` is 0), in place; `assign` is not needed here.
    `weight_decay` is 0 for a variable excluded from decay."""
    del assign
    weights = variable.value
    gradient = _as_tensor(gradient, weights)
    learning_rate = float(learning_rate)
    if buffer is not None:
        buffer_value = buffer.value
        if dampening:
            buffer_value.mul_(momentum).add_(gradient, alpha=1.0 - dampening)
        else:
            # One kernel, `g + momentum * buf`, written over the buffer.
            torch.add(gradient, buffer_value, alpha=momentum,
                      out=buffer_value)
        update = buffer_value
        if nesterov:
            update = torch.add(gradient, buffer_value, alpha=momentum)
    elif dampening:
        update = gradient * (1.0 - dampening)
    else:
        update = gradient
    test = None
    if weights.dim() > 1:
        test = _ScaleInvarianceTest(gradient, weights, delta, epsilon)
    decay = learning_rate * weight_decay / (1.0 - momentum)
    _projected_step(weights, update, test, learning_rate, decay, wd_ratio)
