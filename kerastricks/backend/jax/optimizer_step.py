import jax


def compile_optimizer_apply(optimizer, variables):
    """Returns `step(grads)` that applies `optimizer` to `variables` in one
    jitted, stateless call and writes the results back."""
    optimizer.build(variables)
    apply = jax.jit(optimizer.stateless_apply)
    state = {
        "optimizer": [v.value for v in optimizer.variables],
        "variables": [v.value for v in variables],
    }

    def step(grads):
        state["variables"], state["optimizer"] = apply(
            state["optimizer"], grads, state["variables"]
        )
        for variable, value in zip(variables, state["variables"]):
            variable.assign(value)
        for variable, value in zip(optimizer.variables, state["optimizer"]):
            variable.assign(value)
        return state["variables"][0]

    return step
