import numbers

import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.independent_weight_decay import independent_weight_decay
from kerastricks.optimizers.optimizer_wrapper import OptimizerWrapper
from kerastricks.utils import keras_internals
from kerastricks.utils import validation

# The decay options of Keras's optimizers: this wrapper replaces them.
_INNER_DECAY_OPTIONS = ("weight_decay", "adam_weight_decay")


@kerastricks_export("kerastricks.optimizers.IndependentWeightDecay")
class IndependentWeightDecay(OptimizerWrapper):
    """Weight decay that follows the learning-rate schedule, not its size.

    Keras's decoupled weight decay (AdamW, `weight_decay=` on any Keras
    optimizer) removes `learning_rate * weight_decay * w` each step, so
    raising the peak learning rate also raises the decay. Wortsman et al.
    (2023) show that this coupling makes the final loss more sensitive to
    the learning rate, and that "independent" decay, where only the
    schedule's shape multiplies the decay, lowers that sensitivity. This
    wrapper applies it after any Keras optimizer's step, with a constant
    learning rate or a schedule.

    ```python
    s_t = learning_rate_t / peak_learning_rate
    decay = s_t * weight_decay * w            # w before the step
    optimizer.apply(grads)                    # the wrapped step, no decay
    w = w - decay                             # except excluded variables
    ```

    With a constant learning rate, s_t = 1 and the decay is
    `weight_decay` per step whatever the learning rate. The decay counts
    the wrapped optimizer's actual updates: with
    `gradient_accumulation_steps` it is applied once per update.
    `exclude_from_weight_decay` is honoured (it is forwarded to the
    wrapped optimizer, which keeps the lists). The wrapped optimizer's own
    `weight_decay` (and Muon's `adam_weight_decay`) must be `None` or 0,
    since it would decay a second time, scaled by the learning rate.

    Args:
        optimizer: a `keras.optimizers.Optimizer` instance, its serialized
            dict or string identifier, with no weight decay of its own.
        weight_decay: float >= 0, λ: the decay per step at the schedule's
            peak. Defaults to `1e-4`.
        peak_learning_rate: positive float, η_max, or `None`. With a
            float learning rate, `None` means that rate as it is at
            construction. A `LearningRateSchedule` or callable learning
            rate needs it (its peak cannot be read off in general).
            Defaults to `None`.
        name: string, the wrapper's name. Defaults to
            `"independent_weight_decay"`.

    Example:

    >>> schedule = keras.optimizers.schedules.CosineDecay(
    ...     0.0, decay_steps=100, warmup_target=1e-3, warmup_steps=10)
    >>> optimizer = kerastricks.optimizers.IndependentWeightDecay(
    ...     keras.optimizers.Adam(learning_rate=schedule),
    ...     weight_decay=1e-4, peak_learning_rate=1e-3)
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer=optimizer, loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Wortsman et al., 2023](https://arxiv.org/abs/2309.14322),
          "Small-scale proxies for large-scale Transformer training
          instabilities", ICLR 2024.
        - [Loshchilov and Hutter, 2019](https://arxiv.org/abs/1711.05101),
          "Decoupled Weight Decay Regularization", ICLR 2019.
    """

    own_arguments = ("weight_decay", "peak_learning_rate")
    example_optimizer = "Adam"

    def __init__(self, optimizer, weight_decay=1e-4, peak_learning_rate=None,
                 name="independent_weight_decay", **kwargs):
        # `weight_decay` is this wrapper's own argument here, not the base
        # option that the wrapper base refuses.
        super().__init__(optimizer, name=name, **kwargs)
        self.weight_decay = validation.check_non_negative(
            "weight_decay", weight_decay)
        for option in _INNER_DECAY_OPTIONS:
            value = getattr(self.optimizer, option, None)
            if value not in (None, 0, 0.0):
                raise ValueError(
                    "The wrapped optimizer must not decay weights itself: "
                    f"IndependentWeightDecay applies the decay. Set "
                    f"`{option}=0` (or None) on "
                    f"{type(self.optimizer).__name__}. Received: "
                    f"{option}={value!r}")
        # The serialized rate is a number for a float rate, a dict for a
        # schedule and the callable itself for a callable.
        inner_rate = self.optimizer.get_config()["learning_rate"]
        if peak_learning_rate is None:
            if not isinstance(inner_rate, numbers.Real):
                raise ValueError(
                    "Argument `peak_learning_rate` is required when the "
                    "wrapped optimizer's learning rate is a schedule or a "
                    "callable: pass the schedule's maximum. Received: "
                    f"peak_learning_rate=None with learning_rate="
                    f"{inner_rate!r}")
            peak_learning_rate = float(inner_rate)
        self.peak_learning_rate = validation.check_positive(
            "peak_learning_rate", peak_learning_rate)

    def _decay(self, befores, afters, variables, learning_rate, stepped):
        """The values after the wrapped step and the decay of the weights
        before it (decoupled, as in AdamW); `stepped` is a boolean tensor,
        true when the wrapped optimizer updated (not an accumulation
        micro-step)."""
        decayed = []
        for before, after, variable in zip(befores, afters, variables):
            after = ops.convert_to_tensor(after)
            if not keras_internals.uses_weight_decay(self.optimizer,
                                                     variable):
                decayed.append(after)
                continue
            before = ops.convert_to_tensor(before)
            decay = before - independent_weight_decay(
                before, learning_rate, self.peak_learning_rate,
                self.weight_decay)
            decayed.append(after - ops.where(stepped, decay,
                                             ops.zeros_like(decay)))
        return decayed

    def apply(self, grads, trainable_variables=None):
        variables = self._build_for(trainable_variables)
        steps_before = ops.copy(self.optimizer.iterations)
        # The rate of the step being taken (schedules read `iterations`).
        learning_rate = ops.copy(self.optimizer.learning_rate)
        # Copies: on TensorFlow and torch a converted variable can alias it,
        # and the inner step below writes it in place.
        befores = [ops.copy(variable) for variable in variables]
        self.optimizer.apply(grads, trainable_variables)
        stepped = ops.not_equal(self.optimizer.iterations, steps_before)
        decayed = self._decay(befores, variables, variables, learning_rate,
                              stepped)
        for variable, value in zip(variables, decayed):
            variable.assign(value)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        own_count = len(self.own_variables)
        inner_values = list(optimizer_variables[own_count:])
        steps_before, learning_rate = self._inner_state(inner_values)
        new_trainable, new_inner = self.optimizer.stateless_apply(
            [ops.copy(value) for value in inner_values], grads,
            [ops.copy(value) for value in trainable_variables])
        steps_after, _ = self._inner_state(new_inner)
        stepped = ops.not_equal(steps_after, steps_before)
        # The exclusion lists are keyed by variable, and a stateless step
        # gets values: look them up on the variables the wrapped optimizer
        # was built for, in the same order.
        decayed = self._decay(
            trainable_variables, new_trainable,
            self._variables_for(trainable_variables), learning_rate, stepped)
        own_values = [ops.convert_to_tensor(value)
                      for value in optimizer_variables[:own_count]]
        # Values, not `keras.Variable`s: `LossScaleOptimizer` (mixed
        # precision) calls this inside `ops.cond`, whose branches must
        # return arrays.
        new_inner = [ops.convert_to_tensor(value) for value in new_inner]
        return decayed, own_values + new_inner

    def _variables_for(self, trainable_values):
        """The model variables behind the values of a stateless step."""
        built = keras_internals.built_variables(self.optimizer)
        if len(built) != len(trainable_values):
            raise ValueError(
                "stateless_apply received "
                f"{len(trainable_values)} variables; the optimizer was "
                f"built for {len(built)}.")
        return built

    def _inner_state(self, inner_values):
        """The wrapped optimizer's `iterations` and learning rate given its
        variables' values."""
        mapping = list(zip(self.optimizer.variables, inner_values))
        with keras.StatelessScope(state_mapping=mapping):
            return (ops.convert_to_tensor(self.optimizer.iterations),
                    ops.convert_to_tensor(self.optimizer.learning_rate))

    def get_config(self):
        return {
            **super().get_config(),
            "weight_decay": self.weight_decay,
            "peak_learning_rate": self.peak_learning_rate,
        }
