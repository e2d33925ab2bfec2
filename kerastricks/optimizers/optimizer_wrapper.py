"""The base of the optimizers that wrap another one (⊥Grad, Lookahead).

The wrapped optimizer owns the learning rate, the step counter, weight
decay and every other base option; a wrapper adds its own state and
changes what `apply` hands to, or does after, the wrapped optimizer.
"""

import keras

from kerastricks.utils import keras_internals

# The base-optimizer options belong to the wrapped optimizer, not the wrapper.
_INNER_ONLY_OPTIONS = (
    "weight_decay",
    "clipnorm",
    "global_clipnorm",
    "clipvalue",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
)


class OptimizerWrapper(keras.optimizers.Optimizer):
    """Delegates the base options and state to `optimizer`.

    Subclasses name their own arguments in `own_arguments` (quoted when an
    unknown one is passed) and the optimizer of their error example in
    `example_optimizer`, and extend `get_config` with their arguments.
    """

    own_arguments = ()
    example_optimizer = "Adam"

    def __init__(self, optimizer, name, **kwargs):
        owner = type(self).__name__
        for option in _INNER_ONLY_OPTIONS:
            value = kwargs.pop(option, None)
            if value not in (None, False, 0.99):
                raise ValueError(
                    f"{owner} does not take `{option}`; set it on the "
                    f"wrapped optimizer instead. Received: {option}={value!r}"
                )
        learning_rate = kwargs.pop("learning_rate", None)
        if learning_rate is not None:
            raise ValueError(
                f"{owner} takes its learning rate from the wrapped "
                f"optimizer (read and set it as `{owner}.learning_rate`); "
                f"pass it there, e.g. `{owner}(keras.optimizers."
                f"{self.example_optimizer}(learning_rate=...))`. Received: "
                f"learning_rate={learning_rate!r}"
            )
        if kwargs:
            allowed = ", ".join(("optimizer", *self.own_arguments, "name"))
            raise ValueError(
                f"{owner} received unknown arguments. Allowed: {allowed}. "
                f"Received: {sorted(kwargs)}"
            )
        super().__init__(learning_rate=0.0, name=name)
        if isinstance(optimizer, (str, dict)):
            optimizer = keras.optimizers.get(optimizer)
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(
                "Argument `optimizer` must be a keras.optimizers.Optimizer, "
                "its name or its serialized dict. Received: "
                f"optimizer={optimizer!r} of type {type(optimizer).__name__}"
            )
        self.optimizer = optimizer

    def build(self, var_list):
        if self.built:
            return
        self.optimizer.build(var_list)
        super().build(var_list)

    def _build_for(self, trainable_variables):
        """Builds on the first `apply`; returns the variables stepped."""
        if not self.built:
            with keras.name_scope(self.name, caller=self):
                self.build(trainable_variables)
            self.built = True
        if trainable_variables is None:
            return keras_internals.built_variables(self)
        return list(trainable_variables)

    @property
    def own_variables(self):
        """The wrapper's variables, without the wrapped optimizer's."""
        return super().variables

    @property
    def variables(self):
        return self.own_variables + self.optimizer.variables

    @property
    def iterations(self):
        return self.optimizer.iterations

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.optimizer.learning_rate = learning_rate

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        self.optimizer.exclude_from_weight_decay(var_list, var_names)

    def scale_loss(self, loss):
        return self.optimizer.scale_loss(loss)

    def finalize_variable_values(self, var_list):
        self.optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {
            "name": self.name,
            "optimizer": keras.saving.serialize_keras_object(self.optimizer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        optimizer = keras.saving.deserialize_keras_object(
            config.pop("optimizer"), custom_objects=custom_objects
        )
        return cls(optimizer, **config)


def variable_position(variables, variable):
    """The index of `variable` in `variables`, by identity (`==` on Keras
    variables compares values)."""
    for index, candidate in enumerate(variables):
        if candidate is variable:
            return index
    raise ValueError(f"{variable.path} is not among the optimizer's "
                     "variables.")
