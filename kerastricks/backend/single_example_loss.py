"""Backend-neutral piece shared by the JAX and torch per-example gradients."""


def single_example_loss(model, loss_fn, variables):
    """Returns `example_loss(selected, trainable, non_trainable, x, y)`:
    `loss_fn` of `model` on the single example `(x, y)` (no batch axis) in
    inference mode, as a function of the values `selected` of `variables`
    (a subset of `model.trainable_variables`), the other values given in
    `trainable` and `non_trainable`; what `vmap(grad(...))` differentiates.
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

    return example_loss
