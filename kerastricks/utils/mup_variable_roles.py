from kerastricks.api_export import kerastricks_export
from kerastricks.ops.mup import mup_role
from kerastricks.utils import validation


@kerastricks_export("kerastricks.utils.mup_variable_roles")
def mup_variable_roles(model, base_model):
    """Marks each trainable variable with its µP role against a base model.

    µP needs to know which dimensions of each weight grow with the width.
    Build the same architecture twice, at the target width (`model`) and at
    the base width (`base_model`, never trained); the axes whose sizes
    differ are the "infinite" ones. Variables are matched by their order in
    `trainable_variables`, so layer names may differ between the two.

    ```python
    for w, w_base in zip(model.trainable_variables,
                         base_model.trainable_variables):
        roles[w.path] = mup_role(w.shape, w_base.shape)
        # "input": only fan-out grows (embeddings, first layer, biases)
        # "hidden": both grow; "output": only fan-in grows (the readout)
        # "finite": neither grows
    ```

    Args:
        model: a built `keras.Model`, the model to train.
        base_model: a built `keras.Model` of the same architecture at the
            base width.

    Returns:
        A dict mapping each trainable variable's `path` to a tuple
        `(role, fan_in_ratio, fan_out_ratio)`.

    Example:

    >>> def mlp(width):
    ...     return keras.Sequential([keras.Input((3,)),
    ...                              keras.layers.Dense(width),
    ...                              keras.layers.Dense(width),
    ...                              keras.layers.Dense(2)])
    >>> roles = kerastricks.utils.mup_variable_roles(mlp(64), mlp(16))
    >>> [role for role, _, _ in roles.values()]
    ['input', 'input', 'hidden', 'input', 'output', 'finite']

    References:
        - [Yang et al., 2022](https://arxiv.org/abs/2203.03466), "Tensor
          Programs V: Tuning Large Neural Networks via Zero-Shot
          Hyperparameter Transfer" (Table 3, `set_base_shapes` of the
          `mup` package).
    """
    validation.check_built_model("model", model)
    validation.check_built_model("base_model", base_model)
    variables = model.trainable_variables
    base_variables = base_model.trainable_variables
    if len(variables) != len(base_variables):
        raise ValueError(
            "Arguments `model` and `base_model` must have the same "
            "architecture (the same trainable variables, in the same order, "
            f"at two widths). Received: {len(variables)} trainable "
            f"variables in model and {len(base_variables)} in base_model")
    roles = {}
    for variable, base_variable in zip(variables, base_variables):
        shape, base_shape = tuple(variable.shape), tuple(base_variable.shape)
        if len(shape) != len(base_shape):
            raise ValueError(
                "Arguments `model` and `base_model` must have the same "
                f"architecture. Received: variable {variable.path!r} of "
                f"shape {shape} matched with {base_variable.path!r} of "
                f"shape {base_shape}")
        roles[variable.path] = mup_role(shape, base_shape)
    return roles
