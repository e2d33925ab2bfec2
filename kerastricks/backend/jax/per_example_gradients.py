import jax

from kerastricks.backend.single_example_loss import single_example_loss


def compile_per_example_gradients(model, loss_fn, variables):
    """Returns `gradients(x, y)`: for each of `variables` (trainable weights
    of `model`), the gradients of `loss_fn(y[i:i+1], model(x[i:i+1]))[0]`
    for every example i, stacked to `(batch,) + variable.shape`, at the
    weights `model` holds when `gradients` is called (inference mode).

    One `jax.vmap(jax.grad(...))` over `model.stateless_call`, jitted once
    per batch shape.
    """
    example_loss = single_example_loss(model, loss_fn, variables)

    batched = jax.jit(
        jax.vmap(jax.grad(example_loss), in_axes=(None, None, None, 0, 0))
    )

    def gradients(x, y):
        return batched(
            [v.value for v in variables],
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            x,
            y,
        )

    return gradients
