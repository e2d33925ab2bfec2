import tensorflow as tf


def compile_per_example_gradients(model, loss_fn, variables):
    """Returns `gradients(x, y)`: for each of `variables` (trainable weights
    of `model`), the gradients of `loss_fn(y[i:i+1], model(x[i:i+1]))[0]`
    for every example i, stacked to `(batch,) + variable.shape`, at the
    weights `model` holds when `gradients` is called (inference mode).

    The Jacobian of the per-example losses of one batched forward pass
    (vectorized with pfor); in inference mode examples do not interact, so
    its rows are the per-example gradients.
    """

    @tf.function(reduce_retracing=True)
    def gradients(x, y):
        with tf.GradientTape() as tape:
            losses = loss_fn(y, model(x, training=False))
        return tape.jacobian(losses, [v.value for v in variables])

    return gradients
