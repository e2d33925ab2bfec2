"""The AdamP and SGDP steps in `keras.ops`, for the backends that compile
them (JAX, TensorFlow): XLA fuses the whole step, so the branch-free form
(both projections computed, one selected with `where`) costs no extra pass
over memory. State changes go through the optimizer's `assign`."""

from keras import ops

from kerastricks.ops.radial_projection import remove_radial_component


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
    v = velocity * beta_2 + ops.square(gradient) * (1.0 - beta_2)
    assign(momentum, m)
    assign(velocity, v)
    bias_correction_1 = 1.0 - ops.power(beta_1, step)
    bias_correction_2 = 1.0 - ops.power(beta_2, step)
    denominator = ops.sqrt(v) / ops.sqrt(bias_correction_2) + epsilon
    if nesterov:
        direction = (beta_1 * m + (1.0 - beta_1) * gradient) / denominator
    else:
        direction = m / denominator
    direction, fired = remove_radial_component(
        direction, gradient, variable, delta, epsilon
    )
    new_value = variable - (learning_rate / bias_correction_1) * direction
    if weight_decay:
        ratio = ops.where(fired, wd_ratio, 1.0)
        decay = learning_rate * ops.cast(weight_decay * ratio, dtype)
        new_value = new_value - decay * variable
    assign(variable, new_value)


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
    if nesterov:
        direction = gradient + ops.cast(momentum, dtype) * buffer_value
    else:
        direction = buffer_value
    direction, fired = remove_radial_component(
        direction, gradient, variable, delta, epsilon
    )
    new_value = variable - learning_rate * direction
    if weight_decay:
        ratio = ops.where(fired, wd_ratio, 1.0)
        decay = weight_decay * ratio / (1.0 - momentum)
        new_value = new_value - learning_rate * ops.cast(decay, dtype) * (
            variable
        )
    assign(variable, new_value)
