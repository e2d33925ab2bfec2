import jax


def loss_and_gradients(fn, values):
    """Returns `((loss, aux), gradients)` for `fn(values) -> (loss, aux)`,
    the gradients of `loss` with respect to the list of tensors `values`."""
    return jax.value_and_grad(fn, has_aux=True)(list(values))


def train_step(model, state, data):
    """Keras's JAX trainer calls `train_step(state, data)` and expects the
    new state back: the wrapper's stateless step is exactly that."""
    return model.stateless_train_step(state, data)
