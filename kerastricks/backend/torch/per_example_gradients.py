import keras
import torch


def compile_per_example_gradients(model, loss_fn, variables):
    """Returns `gradients(x, y)`: for each of `variables` (trainable weights
    of `model`), the gradients of `loss_fn(y[i:i+1], model(x[i:i+1]))[0]`
    for every example i, stacked to `(batch,) + variable.shape`, at the
    weights `model` holds when `gradients` is called (inference mode).

    One `torch.func.vmap(torch.func.grad(...))` over `model.stateless_call`.
    """
    positions = [
        next(i for i, v in enumerate(model.trainable_variables) if v is w)
        for w in variables
    ]

    def example_loss(selected, trainable, non_trainable, x, y):
        trainable = list(trainable)
        for position, value in zip(positions, selected):
            trainable[position] = value
        outputs, _ = model.stateless_call(
            trainable, non_trainable, x[None], training=False
        )
        return loss_fn(y[None], outputs)[0]

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
