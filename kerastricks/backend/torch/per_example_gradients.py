import keras
import torch

from kerastricks.backend.single_example_loss import single_example_loss


def compile_per_example_gradients(model, loss_fn, variables):
    """Returns `gradients(x, y)`: for each of `variables` (trainable weights
    of `model`), the gradients of `loss_fn(y[i:i+1], model(x[i:i+1]))[0]`
    for every example i, stacked to `(batch,) + variable.shape`, at the
    weights `model` holds when `gradients` is called (inference mode).

    One `torch.func.vmap(torch.func.grad(...))` over `model.stateless_call`.
    """
    example_loss = single_example_loss(model, loss_fn, variables)

    batched = torch.func.vmap(
        torch.func.grad(example_loss), in_dims=(None, None, None, 0, 0)
    )

    def values(variable_list):
        return [v.value.detach() for v in variable_list]

    def gradients(x, y):
        return batched(
            values(variables),
            values(model.trainable_variables),
            values(model.non_trainable_variables),
            keras.ops.convert_to_tensor(x),
            keras.ops.convert_to_tensor(y),
        )

    return gradients
