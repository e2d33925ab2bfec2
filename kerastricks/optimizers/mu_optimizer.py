import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.mup import scale_update
from kerastricks.optimizers.optimizer_wrapper import OptimizerWrapper
from kerastricks.utils import keras_internals


def _check_multipliers(multipliers):
    if not isinstance(multipliers, dict) or not all(
        isinstance(path, str)
        and not isinstance(factor, bool)
        and isinstance(factor, (int, float))
        and factor > 0
        for path, factor in multipliers.items()
    ):
        raise ValueError(
            "Argument `learning_rate_multipliers` must be a dict mapping "
            "variable paths (strings) to numbers > 0, such as the result of "
            "kerastricks.utils.mup_learning_rate_multipliers(model, "
            f"base_model). Received: learning_rate_multipliers="
            f"{multipliers!r}")
    return {path: float(factor) for path, factor in multipliers.items()}


@kerastricks_export("kerastricks.optimizers.MuOptimizer")
class MuOptimizer(OptimizerWrapper):
    """µP learning rates per variable, over any Keras optimizer.

    Under the maximal update parametrization (µP) each weight's learning
    rate depends on how its shape grows with the model width (for Adam,
    hidden matrices get `base_fan_in / fan_in` times the global rate), so
    that the global rate tuned on a narrow model is also the best one for a
    wide model (µTransfer). `MuOptimizer` lets the wrapped optimizer step,
    then scales each variable's step by its multiplier, which for any
    optimizer equals multiplying that variable's learning rate. Compute the
    multipliers with `kerastricks.utils.mup_learning_rate_multipliers`,
    choosing `update_rule="adam"` or `"sgd"` to match the wrapped optimizer.

    ```python
    for each variable w (multiplier m, 1 when its path is not listed):
        w_before = w
        optimizer.apply(g)             # w_before -> w_after
        w = w_before + m * (w_after - w_before)
    ```

    A decoupled weight decay (AdamW's) is part of the step, so it is scaled
    too: the decay per step is `m * learning_rate * weight_decay * w`, as
    Keras couples decay to the rate (the `mup` package instead keeps
    `learning_rate * weight_decay` fixed). The learning rate and the base
    options belong to the wrapped optimizer and are refused here, as in
    `kerastricks.optimizers.OrthoGrad`.

    Args:
        optimizer: a `keras.optimizers.Optimizer` instance (or its serialized
            dict or string identifier) that computes the steps.
        learning_rate_multipliers: dict mapping variable paths
            (`variable.path`) to factors > 0. Variables not listed keep
            factor 1.
        name: string, the wrapper's name. Defaults to `"mu_optimizer"`.

    Example:

    >>> def mlp(width):
    ...     return keras.Sequential([
    ...         keras.Input((4,)), keras.layers.Dense(width),
    ...         keras.layers.Dense(width),
    ...         kerastricks.layers.MuReadout(2, base_input_dim=8)])
    >>> model, base_model = mlp(32), mlp(8)
    >>> optimizer = kerastricks.optimizers.MuOptimizer(
    ...     keras.optimizers.Adam(learning_rate=1e-2),
    ...     kerastricks.utils.mup_learning_rate_multipliers(model, base_model))
    >>> model.compile(optimizer=optimizer, loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Yang et al., 2022](https://arxiv.org/abs/2203.03466), "Tensor
          Programs V: Tuning Large Neural Networks via Zero-Shot
          Hyperparameter Transfer".
        - [Yang & Hu, 2021](https://arxiv.org/abs/2011.14522), "Feature
          Learning in Infinite-Width Neural Networks".
    """

    own_arguments = ("learning_rate_multipliers",)
    example_optimizer = "AdamW"

    def __init__(self, optimizer, learning_rate_multipliers,
                 name="mu_optimizer", **kwargs):
        super().__init__(optimizer, name=name, **kwargs)
        self.learning_rate_multipliers = _check_multipliers(
            learning_rate_multipliers)

    def _multipliers(self, variables):
        return [self.learning_rate_multipliers.get(variable.path, 1.0)
                for variable in variables]

    def _scaled(self, before, after, multipliers):
        return [
            new if factor == 1.0 else scale_update(old, new, factor)
            for old, new, factor in zip(before, after, multipliers)
        ]

    def apply(self, grads, trainable_variables=None):
        variables = self._build_for(trainable_variables)
        multipliers = self._multipliers(variables)
        before = [
            None if factor == 1.0 else keras.ops.copy(variable.value)
            for variable, factor in zip(variables, multipliers)
        ]
        self.optimizer.apply(grads, trainable_variables)
        for variable, old, factor in zip(variables, before, multipliers):
            if factor != 1.0:
                variable.assign(scale_update(old, variable.value, factor))

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        own_count = len(self.own_variables)
        new_trainable, inner_variables = self.optimizer.stateless_apply(
            optimizer_variables[own_count:], grads, trainable_variables
        )
        multipliers = self._multipliers(
            keras_internals.built_variables(self))
        new_trainable = self._scaled(trainable_variables, new_trainable,
                                     multipliers)
        # Values, not Variables: LossScaleOptimizer calls this in ops.cond.
        own_values = [
            keras.ops.convert_to_tensor(value)
            for value in optimizer_variables[:own_count]
        ]
        return new_trainable, own_values + list(inner_variables)

    def get_config(self):
        return {
            **super().get_config(),
            "learning_rate_multipliers": dict(self.learning_rate_multipliers),
        }
