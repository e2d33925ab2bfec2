import contextlib

import tensorflow as tf


def loss_and_gradients(fn, values):
    """Returns `((loss, aux), gradients)` for `fn(values) -> (loss, aux)`,
    the gradients of `loss` with respect to the list of tensors `values`
    (`None` where `loss` does not depend on a value)."""
    values = [tf.convert_to_tensor(value) for value in values]
    with tf.GradientTape() as tape:
        tape.watch(values)
        loss, aux = fn(values)
    return (loss, aux), tape.gradient(loss, values)


def train_step(model, data):
    """Keras's TensorFlow trainer calls `train_step(data)` and lets it
    update the variables in place."""
    return model.stateful_train_step(data, contextlib.nullcontext)
