"""The machinery shared by the model wrappers (SAM, SAF, MESA).

`ModelWrapper` is a `keras.Model` around any existing model (Sequential,
functional or subclassed), kept as `wrapper.inner`. Techniques either
override `compute_loss` (SAF, MESA: Keras's own training step, so no extra
backward pass) or replace the gradient (SAM) through `compute_gradients`,
which the backend package drives: `kerastricks.backend.<name>.train_step`
adapts Keras's trainers (stateless `train_step(state, data)` on JAX,
stateful `train_step(data)` on TensorFlow and torch) to the one stateless
`compute_gradients` written here with `keras.ops`, and
`loss_and_gradients` is the only framework call it needs.
"""

import inspect
import numbers

import keras
from keras import ops

from kerastricks import backend
from kerastricks.ops.trajectory_loss import trajectory_loss
from kerastricks.utils import keras_internals
from kerastricks.utils import validation

# SAF identifies examples by an index travelling with the inputs:
# `x = {"inputs": x, "example_index": i}` (see `SAF.with_example_indices`).
INPUTS_KEY = "inputs"
EXAMPLE_INDEX_KEY = "example_index"

_FIT_SIGNATURE = inspect.signature(keras.Model.fit)


def is_indexed(inputs):
    """Whether `inputs` is `{"inputs": x, "example_index": indices}`."""
    return isinstance(inputs, dict) and set(inputs) == {
        INPUTS_KEY,
        EXAMPLE_INDEX_KEY,
    }


def model_inputs(inputs):
    """The part of `inputs` the wrapped model reads."""
    return inputs[INPUTS_KEY] if is_indexed(inputs) else inputs


def check_epoch(name, value):
    """Checks a non-negative integer epoch; returns it as an `int`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"Argument `{name}` must be an integer epoch. Received: "
            f"{name}={value!r} of type {type(value).__name__}"
        )
    return int(validation.check_non_negative(name, value))


def sum_over_batch_size(values, sample_weight=None):
    """Keras's default loss reduction: `mean(sample_weight * values)`, the
    weights broadcast from `(batch,)` or `(batch, 1)` to `values`."""
    if sample_weight is None:
        return ops.mean(values)
    weights = ops.cast(sample_weight, values.dtype)
    while len(weights.shape) > len(values.shape):
        weights = ops.squeeze(weights, axis=-1)
    while len(weights.shape) < len(values.shape):
        weights = ops.expand_dims(weights, axis=-1)
    return ops.mean(values * weights)


class _EpochCounter(keras.callbacks.Callback):
    """Adds one to the wrapper's `epoch` variable after every epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch_variable = epoch

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_variable.assign_add(1)


class ModelWrapper(keras.Model):
    """Base class of the kerastricks model wrappers (internal).

    Subclasses set `tracks_epochs = True` to get an `epoch` variable (int32,
    counted from 0, saved with the model) that `fit` advances after every
    epoch, so that epoch-dependent behaviour needs no host round trip inside
    the step. They override `build_state(output_spec)` to create variables
    that depend on the wrapped model's outputs.
    """

    tracks_epochs = False

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        if isinstance(model, ModelWrapper):
            raise ValueError(
                f"{type(self).__name__} cannot wrap another kerastricks "
                f"wrapper. Received: model={type(model).__name__}; wrap the "
                "plain model (`wrapper.inner`) instead"
            )
        if not isinstance(model, keras.Model):
            raise TypeError(
                "Argument `model` must be a `keras.Model` (Sequential, "
                "functional or subclassed). Received: model of type "
                f"{type(model).__name__}"
            )
        self.inner = model
        if self.tracks_epochs:
            self.epoch = self.add_weight(
                shape=(),
                dtype="int32",
                initializer="zeros",
                trainable=False,
                autocast=False,
                name="epoch",
            )

    # ------------------------------------------------------------- building
    def build(self, input_shape):
        spec = keras.tree.map_shape_structure(
            keras.KerasTensor, model_inputs(input_shape)
        )
        self.build_state(self.inner.compute_output_spec(spec))

    def build_state(self, output_spec):
        """Creates the wrapper's own variables once the output is known."""

    def add_step_state(self, slot_name):
        """Creates the state of a technique that remembers something from
        step to step: an int32 `step_count` (from 0) and one zero slot
        per trainable variable of the wrapped model, named `slot_name`
        (same shape and dtype). Non-trainable, saved with the wrapper, and
        passed to `compute_gradients` among the `non_trainable` values."""
        self.step_count = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False,
            autocast=False, name="step",
        )
        self.slots = [
            self.add_weight(
                shape=variable.shape, dtype=variable.dtype,
                initializer="zeros", trainable=False, autocast=False,
                name=f"{slot_name}_{index}",
            )
            for index, variable in enumerate(self.inner.trainable_variables)
        ]

    def state_positions(self, variables):
        """Where `variables` (the wrapper's own state) sit in
        `self.non_trainable_variables`: the order of the `non_trainable`
        values that `compute_gradients` receives and returns."""
        positions = {
            id(variable): index
            for index, variable in enumerate(self.non_trainable_variables)
        }
        return [positions[id(variable)] for variable in variables]

    def call(self, inputs, training=None):
        return self.inner(model_inputs(inputs), training=training)

    # ------------------------------------------------------------- training
    def fit(self, *args, **kwargs):
        arguments = _FIT_SIGNATURE.bind(self, *args, **kwargs).arguments
        arguments.pop("self")
        arguments = self.prepare_fit(arguments)
        self.build_from_inner_inputs()
        return super().fit(**arguments)

    def build_from_inner_inputs(self):
        """Builds the wrapper from the inputs of the wrapped model, when it
        declares them (functional and Sequential models).

        Callbacks such as `keras.callbacks.BackupAndRestore` need a built
        model before the first step, and TensorFlow's trainer would build
        the wrapper only inside its first traced step.
        """
        if self.built or not self.inner.built:
            return
        # Subclassed models have no `inputs`: Keras builds those from data.
        inputs = getattr(self.inner, "inputs", None)
        if not inputs:
            return
        shapes = [tuple(tensor.shape) for tensor in inputs]
        self.build(shapes[0] if len(shapes) == 1 else shapes)

    def prepare_fit(self, arguments):
        """Adjusts the arguments of `fit` (a dict) before Keras sees them."""
        if self.tracks_epochs:
            # First, so that the other callbacks' `on_epoch_end` (checkpoints
            # such as `BackupAndRestore`) sees the epoch counted as done.
            counter = _EpochCounter(self.epoch)
            callbacks = arguments.get("callbacks")
            if isinstance(callbacks, keras.callbacks.CallbackList):
                callbacks.callbacks.insert(0, counter)
            else:
                callbacks = [counter, *(callbacks or [])]
            arguments["callbacks"] = callbacks
        return arguments

    def epoch_in_range(self, start_epoch, end_epoch):
        """A boolean tensor: `start_epoch < epoch < end_epoch` (no upper
        bound when `end_epoch` is None), the authors' condition."""
        epoch = ops.convert_to_tensor(self.epoch)
        active = ops.greater(epoch, start_epoch)
        if end_epoch is not None:
            active = ops.logical_and(active, ops.less(epoch, end_epoch))
        return active

    # ----------------------------------------- custom-gradient training step
    def compute_gradients(
        self, trainable, non_trainable, metrics, optimizer_values, x, y,
        sample_weight,
    ):
        """Returns `(gradients, (loss, y_pred, non_trainable, metrics))`.

        Stateless: every argument is a list of variable values (in the
        order of `self.trainable_variables`, `self.non_trainable_variables`,
        `self.metrics_variables` and `self.optimizer.variables`) or the
        batch. The default is Keras's own step: one forward and backward
        pass. The gradients are those of the *scaled* loss (see
        `keras.optimizers.LossScaleOptimizer`), as the optimizer expects.
        """
        (_, aux), gradients = self.loss_and_gradients(
            trainable, non_trainable, metrics, optimizer_values, x, y,
            sample_weight,
        )
        return gradients, aux

    def loss_and_gradients(
        self, trainable, non_trainable, metrics, optimizer_values, x, y,
        sample_weight,
    ):
        """One forward and backward pass at the given trainable values."""

        def scaled_loss(values):
            return self.scaled_loss_and_updates(
                values, non_trainable, metrics, optimizer_values, x, y,
                sample_weight,
            )

        return backend.get().loss_and_gradients(scaled_loss, trainable)

    def scaled_loss_and_updates(
        self, trainable, non_trainable, metrics, optimizer_values, x, y,
        sample_weight,
    ):
        """The training loss at the given values, without touching any
        variable: `(scaled_loss, (loss, y_pred, non_trainable, metrics))`
        with the updated non-trainable (e.g. BatchNorm statistics) and
        metric values of this forward pass."""
        mapping = list(zip(self.trainable_variables, trainable))
        mapping += zip(self.non_trainable_variables, non_trainable)
        mapping += zip(self.metrics_variables, metrics)
        with keras.StatelessScope(
            state_mapping=mapping, collect_losses=True
        ) as scope:
            y_pred = self(x, training=True)
            loss = self.compute_loss(
                x, y, y_pred, sample_weight=sample_weight, training=True
            )
        non_trainable = [
            scope.get_current_value(v) for v in self.non_trainable_variables
        ]
        metrics = [scope.get_current_value(v) for v in self.metrics_variables]
        with keras.StatelessScope(
            state_mapping=list(zip(self.optimizer.variables, optimizer_values))
        ):
            scaled_loss = self.optimizer.scale_loss(loss)
        return scaled_loss, (loss, y_pred, non_trainable, metrics)

    def stateless_train_step(self, state, data):
        """A training step for trainers that pass the state (JAX)."""
        trainable, non_trainable, optimizer_values, metrics = state
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        gradients, (loss, y_pred, non_trainable, metrics) = (
            self.compute_gradients(
                trainable, non_trainable, metrics, optimizer_values, x, y,
                sample_weight,
            )
        )
        trainable, optimizer_values = self.optimizer.stateless_apply(
            optimizer_values, gradients, trainable
        )
        with keras.StatelessScope(
            state_mapping=list(zip(self.metrics_variables, metrics))
        ) as scope:
            logs = self._update_metrics(loss, x, y, y_pred, sample_weight)
        metrics = [scope.get_current_value(v) for v in self.metrics_variables]
        return logs, (trainable, non_trainable, optimizer_values, metrics)

    def stateful_train_step(self, data, update_scope):
        """A training step for trainers that update variables in place
        (TensorFlow, torch); `update_scope()` wraps the updates."""
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        # TensorFlow builds models and optimizers lazily, in the first trace
        # of the step, where creating variables is allowed.
        if not self.built:
            self(x)
        if not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)
        # Snapshots: variables created later in the step (metrics built on
        # first use) must not shift the pairing of values and variables.
        trainable_variables = list(self.trainable_variables)
        non_trainable_variables = list(self.non_trainable_variables)
        metrics_variables = list(self.metrics_variables)
        gradients, (loss, y_pred, non_trainable, metrics) = (
            self.compute_gradients(
                [v.value for v in trainable_variables],
                [v.value for v in non_trainable_variables],
                [v.value for v in metrics_variables],
                [v.value for v in self.optimizer.variables],
                x, y, sample_weight,
            )
        )
        with update_scope():
            for variable, value in zip(non_trainable_variables, non_trainable):
                variable.assign(value)
            for variable, value in zip(metrics_variables, metrics):
                variable.assign(value)
            self.optimizer.apply(gradients, trainable_variables)
        return self._update_metrics(loss, x, y, y_pred, sample_weight)

    def _update_metrics(self, loss, x, y, y_pred, sample_weight):
        batch_size = ops.shape(
            next(i for i in keras.tree.flatten(x) if i is not None)
        )[0]
        # Keras's own train_step updates its loss tracker; compute_metrics
        # does not.
        tracker = keras_internals.loss_tracker(self)
        if tracker is not None:
            tracker.update_state(loss, sample_weight=batch_size)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    # -------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        config["model"] = keras.saving.serialize_keras_object(self.inner)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        model = keras.saving.deserialize_keras_object(
            config.pop("model"), custom_objects=custom_objects
        )
        return cls(model, **config)


class TrajectoryLossWrapper(ModelWrapper):
    """Base of SAF and MESA (internal): the trajectory loss of "Sharpness-
    Aware Training for Free", added to the compiled loss between
    `start_epoch` and `end_epoch`, its hyperparameters and its metric."""

    def __init__(self, model, trajectory_loss_weight, temperature,
                 start_epoch, end_epoch, **kwargs):
        super().__init__(model, **kwargs)
        self.trajectory_loss_weight = validation.check_non_negative(
            "trajectory_loss_weight", trajectory_loss_weight
        )
        self.temperature = validation.check_positive(
            "temperature", temperature
        )
        self.start_epoch = check_epoch("start_epoch", start_epoch)
        if end_epoch is not None:
            check_epoch("end_epoch", end_epoch)
        self.end_epoch = end_epoch
        self.trajectory_loss_tracker = keras.metrics.Mean(
            name="trajectory_loss"
        )

    def add_trajectory_loss(self, loss, y_pred, past_logits, sample_weight,
                            active=True):
        """`loss` plus the weighted trajectory term, when `active` and the
        epoch is in `[start_epoch, end_epoch)` (both tensors, no host
        round trip)."""
        active = ops.logical_and(
            self.epoch_in_range(self.start_epoch, self.end_epoch), active
        )
        weight = self.trajectory_loss_weight * ops.cast(active, "float32")
        term = weight * sum_over_batch_size(
            trajectory_loss(y_pred, past_logits, self.temperature),
            sample_weight,
        )
        self.trajectory_loss_tracker.update_state(term)
        return loss + ops.cast(term, loss.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "trajectory_loss_weight": self.trajectory_loss_weight,
                "temperature": self.temperature,
                "start_epoch": self.start_epoch,
                "end_epoch": self.end_epoch,
            }
        )
        return config

