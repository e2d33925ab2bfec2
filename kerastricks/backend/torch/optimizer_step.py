import torch


def compile_optimizer_apply(optimizer, variables):
    """Returns `step(grads)` running `optimizer.apply` eagerly (Keras's torch
    trainer does not compile optimizer steps either), without autograd."""
    optimizer.build(variables)

    def step(grads):
        with torch.no_grad():
            optimizer.apply(grads, variables)
        return variables[0].value

    return step
