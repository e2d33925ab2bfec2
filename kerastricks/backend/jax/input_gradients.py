import jax


def loss_and_input_gradients(loss_fn, inputs):
    """Returns `(loss, gradients)`: `loss_fn(inputs)` (a scalar) and its
    gradients with respect to `inputs` (a tensor or a nested structure of
    tensors, the gradients in the same structure).

    `jax.value_and_grad`: traceable, so it runs inside a jitted step."""
    return jax.value_and_grad(loss_fn)(inputs)
