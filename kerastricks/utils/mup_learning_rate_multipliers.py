from kerastricks.api_export import kerastricks_export
from kerastricks.ops.mup import MUP_UPDATE_RULES
from kerastricks.ops.mup import mup_learning_rate_multiplier
from kerastricks.utils import validation
from kerastricks.utils.mup_variable_roles import mup_variable_roles


def _readout_kernel_paths(layer):
    # MuReadout is imported here: kerastricks.layers imports utils.
    from kerastricks.layers.mu_readout import MuReadout

    paths = set()
    if isinstance(layer, MuReadout):
        paths.add(layer.kernel.path)
    for sublayer in getattr(layer, "layers", ()):
        paths |= _readout_kernel_paths(sublayer)
    return paths


@kerastricks_export("kerastricks.utils.mup_learning_rate_multipliers")
def mup_learning_rate_multipliers(model, base_model, update_rule="adam"):
    """The µP learning-rate factor of every trainable variable of `model`.

    Feeds `kerastricks.optimizers.MuOptimizer`. The roles come from
    `mup_variable_roles(model, base_model)`, the factors from Tensor
    Programs V, Table 3, in the `mup` package's form where the readout is a
    `kerastricks.layers.MuReadout` (so a weight whose fan-in alone grows
    must be a `MuReadout` kernel; anything else raises).

    ```python
    adam: hidden -> base_fan_in / fan_in; everything else -> 1
    sgd:  hidden -> fan_out_ratio / fan_in_ratio; input -> fan_out_ratio;
          output (MuReadout) -> fan_in_ratio; finite -> 1
    ```

    Args:
        model: a built `keras.Model`, the model to train.
        base_model: a built `keras.Model` of the same architecture at the
            base width.
        update_rule: string, `"adam"` for optimizers that normalize the
            gradient entrywise (Adam, AdamW, RMSprop, Lion...) or `"sgd"`
            for those whose step is proportional to it. Defaults to
            `"adam"`.

    Returns:
        A dict mapping each trainable variable's `path` to a float.

    Example:

    >>> def mlp(width):
    ...     return keras.Sequential([
    ...         keras.Input((3,)), keras.layers.Dense(width),
    ...         kerastricks.layers.MuReadout(2, base_input_dim=16)])
    >>> multipliers = kerastricks.utils.mup_learning_rate_multipliers(
    ...     mlp(64), mlp(16))
    >>> sorted(set(multipliers.values()))
    [1.0]

    References:
        - [Yang et al., 2022](https://arxiv.org/abs/2203.03466), "Tensor
          Programs V: Tuning Large Neural Networks via Zero-Shot
          Hyperparameter Transfer".
    """
    validation.check_one_of("update_rule", update_rule, MUP_UPDATE_RULES)
    roles = mup_variable_roles(model, base_model)
    readout_kernels = _readout_kernel_paths(model)
    multipliers = {}
    for path, (role, fan_in_ratio, fan_out_ratio) in roles.items():
        if role == "output" and path not in readout_kernels:
            raise ValueError(
                f"Variable {path!r} has a fan-in that grows with the width "
                "and a fixed fan-out (a readout), but it is not the kernel "
                "of a kerastricks.layers.MuReadout: replace that output "
                "layer by MuReadout(units, base_input_dim=...). Received: "
                f"fan_in_ratio={fan_in_ratio}")
        multipliers[path] = mup_learning_rate_multiplier(
            role, fan_in_ratio, fan_out_ratio, update_rule)
    return multipliers


