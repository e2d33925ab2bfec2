import keras
import tensorflow as tf


def loss_and_input_gradients(loss_fn, inputs):
    """Returns `(loss, gradients)`: `loss_fn(inputs)` (a scalar) and its
    gradients with respect to `inputs` (a tensor or a nested structure of
    tensors, the gradients in the same structure; zeros where the loss
    does not depend on an input).

    A `tf.GradientTape` watching the inputs: it runs eagerly and inside a
    `tf.function` (XLA or not)."""
    inputs = keras.tree.map_structure(tf.convert_to_tensor, inputs)
    with tf.GradientTape() as tape:
        tape.watch(keras.tree.flatten(inputs))
        loss = loss_fn(inputs)
    gradients = tape.gradient(
        loss, inputs, unconnected_gradients=tf.UnconnectedGradients.ZERO
    )
    return loss, gradients
