import keras
import torch


def _detached(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


def loss_and_gradients(fn, values):
    """Returns `((loss, aux), gradients)` for `fn(values) -> (loss, aux)`,
    the gradients of `loss` with respect to the list of tensors `values`
    (`None` where `loss` does not depend on a value). The loss and the
    auxiliary tensors come back detached from the autograd graph."""
    leaves = [value.detach().requires_grad_(True) for value in values]
    with torch.enable_grad():
        loss, aux = fn(leaves)
        gradients = torch.autograd.grad(loss, leaves, allow_unused=True)
    return (loss.detach(), keras.tree.map_structure(_detached, aux)), list(
        gradients
    )


def train_step(model, data):
    """Keras's torch trainer calls `train_step(data)`; variables are updated
    in place outside autograd, as Keras's own torch trainer does."""
    return model.stateful_train_step(data, torch.no_grad)
