import tensorflow as tf


def compile_optimizer_apply(optimizer, variables):
    """Returns `step(grads)` running `optimizer.apply` as one XLA function."""
    optimizer.build(variables)

    @tf.function(jit_compile=True)
    def step(grads):
        optimizer.apply(grads, variables)
        return variables[0].value

    return step
