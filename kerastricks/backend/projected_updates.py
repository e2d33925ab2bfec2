"""The AdamP and SGDP steps in `keras.ops`, for the backends that compile
them (JAX, TensorFlow). The scale-invariance test costs three per-channel
sums; the projection, which needs a fourth (<u, w>) and so a pass of its
own, runs under `ops.cond` only when the test fires, and the weights are
written in one pass either way. State changes go through the optimizer's
`assign`."""

from keras import ops

from kerastricks.ops.radial_projection import ScaleInvarianceTest
from kerastricks.ops.radial_projection import as_rows


def adamp_update(assign, variable, gradient, momentum, velocity,
                 learning_rate, step, beta_1, beta_2, epsilon, delta,
                 wd_ratio, weight_decay, nesterov):
    """One AdamP step on `variable`, `momentum` and `velocity` (Keras
    variables), written through `assign(variable, value)`. `weight_decay`
    is 0 for a variable excluded from decay."""
    dtype = variable.dtype
    learning_rate = ops.cast(learning_rate, dtype)
    gradient = ops.cast(gradient, dtype)
    step = ops.cast(step, dtype)
    beta_1 = ops.cast(beta_1, dtype)
    beta_2 = ops.cast(beta_2, dtype)
    m = momentum * beta_1 + gradient * (1.0 - beta_1)
    # Not ops.square(gradient): XLA would merge that g*g with the test's
    # and write it to memory instead of fusing it into the test's sum.
    v = velocity * beta_2 + gradient * (gradient * (1.0 - beta_2))
    assign(momentum, m)
    assign(velocity, v)
    bias_correction_1 = 1.0 - ops.power(beta_1, step)
    bias_correction_2 = 1.0 - ops.power(beta_2, step)

    def direction():
        denominator = ops.sqrt(v) / ops.sqrt(bias_correction_2) + epsilon
        if nesterov:
            return (beta_1 * m + (1.0 - beta_1) * gradient) / denominator
        return m / denominator

    step_size = learning_rate / bias_correction_1
    decay = learning_rate * ops.cast(weight_decay, dtype)
    assign(variable, _projected_step(
        variable, gradient, direction, step_size, decay, delta, epsilon,
        wd_ratio))


def sgdp_update(assign, variable, gradient, buffer, learning_rate, momentum,
                dampening, epsilon, delta, wd_ratio, weight_decay, nesterov):
    """One SGDP step on `variable` and `buffer` (Keras variables; `None`
    when `momentum` is 0), written through `assign(variable, value)`.
    `weight_decay` is 0 for a variable excluded from decay."""
    dtype = variable.dtype
    learning_rate = ops.cast(learning_rate, dtype)
    gradient = ops.cast(gradient, dtype)
    if dampening:
        scaled_gradient = gradient * ops.cast(1.0 - dampening, dtype)
    else:
        scaled_gradient = gradient
    if buffer is not None:
        buffer_value = buffer * ops.cast(momentum, dtype) + scaled_gradient
        assign(buffer, buffer_value)
    else:
        # momentum=0 keeps no state: the buffer would equal this.
        buffer_value = scaled_gradient

    def direction():
        if nesterov:
            return gradient + ops.cast(momentum, dtype) * buffer_value
        return buffer_value

    decay = learning_rate * ops.cast(weight_decay / (1.0 - momentum), dtype)
    assign(variable, _projected_step(
        variable, gradient, direction, learning_rate, decay, delta, epsilon,
        wd_ratio))


def _projected_step(variable, gradient, direction, step_size, decay, delta,
                    epsilon, wd_ratio):
    """`w * (1 - decay * ratio) - step_size * project(direction())`, with
    `ratio` = `wd_ratio` where the projection fires and 1 elsewhere; `decay`
    is a tensor, 0 for no weight decay. Vectors are never projected.

    The projection `u - w * coefficient` is linear in `w`, so the step is
    `w * (1 - decay * ratio + step_size * coefficient) - step_size * u`:
    one pass, the same as without projection, and only the (1, C)
    coefficient, which needs the sum <u, w>, runs under `ops.cond`.
    `direction` is a function, called once inside the condition and once
    outside, so that XLA fuses `u` into both passes instead of storing it.
    """
    weights = ops.convert_to_tensor(variable)
    if len(weights.shape) <= 1:
        return weights * (1.0 - decay) - step_size * direction()
    test = ScaleInvarianceTest(gradient, weights, delta, epsilon)
    coefficient = ops.cond(
        test.fired,
        lambda: test.coefficient(direction()),
        lambda: ops.zeros((1, weights.shape[-1]), weights.dtype),
    )
    ratio = ops.where(test.fired, ops.cast(wd_ratio, weights.dtype), 1.0)
    scale = 1.0 - decay * ratio + step_size * coefficient
    new_weights = test.weights * scale - step_size * as_rows(direction())
    return ops.reshape(new_weights, weights.shape)
