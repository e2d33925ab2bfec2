import keras
import torch


def loss_and_input_gradients(loss_fn, inputs):
    """Returns `(loss, gradients)`: `loss_fn(inputs)` (a scalar) and its
    gradients with respect to `inputs` (a tensor or a nested structure of
    tensors, the gradients in the same structure; zeros where the loss
    does not depend on an input).

    The inputs become fresh autograd leaves, so the loss and gradients come
    back detached: an attack built on them is a constant for the weight
    gradients that follow. Under `torch.compile` the autograd call is a
    graph break, which torch.compile handles."""
    leaves = keras.tree.map_structure(
        lambda value: keras.ops.convert_to_tensor(value)
        .detach()
        .requires_grad_(True),
        inputs,
    )
    flat = keras.tree.flatten(leaves)
    with torch.enable_grad():
        loss = loss_fn(leaves)
        gradients = torch.autograd.grad(loss, flat, allow_unused=True)
    gradients = [
        torch.zeros_like(leaf) if gradient is None else gradient
        for leaf, gradient in zip(flat, gradients)
    ]
    return loss.detach(), keras.tree.pack_sequence_as(leaves, gradients)
