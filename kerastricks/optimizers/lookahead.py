import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.lookahead import lookahead_update
from kerastricks.optimizers.optimizer_wrapper import OptimizerWrapper
from kerastricks.optimizers.optimizer_wrapper import variable_position
from kerastricks.utils import keras_internals
from kerastricks.utils import validation


@kerastricks_export("kerastricks.optimizers.Lookahead")
class Lookahead(OptimizerWrapper):
    """Lookahead: k steps forward with any optimizer, one step back.

    Lookahead keeps a second, slow copy of the weights. The wrapped
    ("fast") optimizer takes k steps as usual; then the slow weights move a
    fraction α of the way towards where the fast weights ended, and the
    fast weights restart from there. The slow weights average out the fast
    optimizer's oscillations across high-curvature directions, which makes
    training less sensitive to the learning rate and the inner optimizer's
    hyperparameters at the cost of one extra copy of the weights.

    ```python
    slow = weights                       # at the first step
    each step:
        optimizer.apply(grads)           # fast weights, inner state
        if optimizer.iterations % sync_period == 0:
            slow = slow + slow_step_size * (weights - slow)
            weights = slow
    ```

    The slow weights are optimizer variables: they are saved with the
    optimizer and restored by `keras.saving.load_model`. The sync is an
    `ops.where` on the iteration counter, so the step compiles under
    `jit` without a host round trip. With `gradient_accumulation_steps` on
    the wrapped optimizer, k counts its actual updates.

    The learning rate and options such as `weight_decay`, `clipnorm` or
    `use_ema` belong to the wrapped optimizer and are refused here (as
    `keras.optimizers.LossScaleOptimizer` refuses them): set them on the
    wrapped optimizer. `Lookahead.learning_rate` reads and sets the wrapped
    optimizer's rate, so `keras.callbacks.LearningRateScheduler` works.
    Under `mixed_float16`, Keras puts its `LossScaleOptimizer` outside the
    wrapper; a skipped (non-finite) step skips the whole Lookahead step.

    Args:
        optimizer: a `keras.optimizers.Optimizer` instance (Keras's own or
            one of ours such as `kerastricks.optimizers.AdamP`), or its
            serialized dict or string identifier such as `"adam"`: the fast
            optimizer, with its own learning rate and options.
        sync_period: positive int, k in Algorithm 1, the number of fast
            steps between two slow updates. Defaults to `5`, the paper's
            default.
        slow_step_size: float in (0, 1], α in Algorithm 1. `1.0` makes
            Lookahead the wrapped optimizer itself. Defaults to `0.5`, the
            paper's default.
        name: string, the wrapper's name. Defaults to `"lookahead"`.

    Example:

    >>> optimizer = kerastricks.optimizers.Lookahead(
    ...     keras.optimizers.Adam(learning_rate=1e-3), sync_period=5,
    ...     slow_step_size=0.5)
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer=optimizer, loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Zhang et al., 2019](https://arxiv.org/abs/1907.08610), "Lookahead
          Optimizer: k steps forward, 1 step back", NeurIPS 2019.
    """

    own_arguments = ("sync_period", "slow_step_size")
    example_optimizer = "Adam"

    def __init__(self, optimizer, sync_period=5, slow_step_size=0.5,
                 name="lookahead", **kwargs):
        super().__init__(optimizer, name=name, **kwargs)
        self.sync_period = validation.check_positive_int("sync_period",
                                                         sync_period)
        self.slow_step_size = validation.check_in_range(
            "slow_step_size", slow_step_size, low=0, high=1,
            low_inclusive=False)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._slow_weights = self.add_optimizer_variables(var_list, "slow")

    def _step(self, fast_before, slow, fast_after, steps_before,
              steps_after):
        """The new `(fast, slow)` of one variable: the slow copy starts as
        the weights before the first step (φ₀ = θ₀).

        With gradient accumulation the inner `iterations` counts updates,
        so it stays at a multiple of k for the micro-steps after a sync;
        syncing again there is exact no-op, as fast == slow."""
        slow = ops.convert_to_tensor(slow)
        slow = ops.where(ops.equal(steps_before, 0),
                         ops.cast(fast_before, slow.dtype), slow)
        return lookahead_update(fast_after, slow, steps_after,
                                self.sync_period, self.slow_step_size)

    def apply(self, grads, trainable_variables=None):
        variables = self._build_for(trainable_variables)
        # Copies: on TensorFlow and torch a converted variable can alias it,
        # and the inner step below writes it in place.
        steps_before = ops.copy(self.optimizer.iterations)
        values_before = [ops.copy(variable) for variable in variables]
        self.optimizer.apply(grads, trainable_variables)
        steps_after = ops.copy(self.optimizer.iterations)
        for variable, value_before in zip(variables, values_before):
            slow = self._slow_weights[
                keras_internals.variable_index(self, variable)]
            fast, new_slow = self._step(value_before, slow, variable,
                                        steps_before, steps_after)
            slow.assign(new_slow)
            variable.assign(fast)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        own_variables = self.own_variables
        own_count = len(own_variables)
        inner_values = list(optimizer_variables[own_count:])
        # Copies: an inner step may write its inputs in place (AdamP and
        # SGDP do on torch), and the values before the step are read below.
        new_trainable, new_inner = self.optimizer.stateless_apply(
            [ops.copy(value) for value in inner_values], grads,
            [ops.copy(value) for value in trainable_variables])
        steps_before = self._inner_iterations(inner_values)
        steps_after = self._inner_iterations(new_inner)
        new_own = [ops.convert_to_tensor(value)
                   for value in optimizer_variables[:own_count]]
        for i, (before, after) in enumerate(zip(trainable_variables,
                                                new_trainable)):
            slow_position = variable_position(own_variables,
                                              self._slow_weights[i])
            fast, slow = self._step(before, new_own[slow_position], after,
                                    steps_before, steps_after)
            new_trainable[i] = fast
            new_own[slow_position] = slow
        # Values, not `keras.Variable`s: `LossScaleOptimizer` (mixed
        # precision) calls this inside `ops.cond`, whose branches must
        # return arrays.
        new_inner = [ops.convert_to_tensor(value) for value in new_inner]
        return list(new_trainable), new_own + new_inner

    def _inner_iterations(self, inner_values):
        """The inner optimizer's `iterations` given its variables' values
        (it is derived from them under gradient accumulation)."""
        mapping = list(zip(self.optimizer.variables, inner_values))
        with keras.StatelessScope(state_mapping=mapping):
            return ops.convert_to_tensor(self.optimizer.iterations)

    def get_config(self):
        return {
            **super().get_config(),
            "sync_period": self.sync_period,
            "slow_step_size": self.slow_step_size,
        }
