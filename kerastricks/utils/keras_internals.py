"""Every private Keras and KerasTuner attribute kerastricks relies on.

Keras 3 has no public API for these; everything else kerastricks does goes
through public Keras. Each accessor names the attribute it reads, so that a
Keras release that renames one fails here with a message naming it and the
Keras version, not deep inside a training step.
tests/utils/keras_internals_test.py checks each one against the installed
Keras. Not exported: library code imports this module directly.

The private API, what uses it, and why no public API serves:

- `Optimizer._get_variable_index(variable)` (`variable_index`; AdamP,
  SGDP): `update_step` receives one variable and must find its slots
  (momentum, velocity). Keras's own Adam and SGD use the same lookup, which
  also resolves `tf.distribute` mirrored variables.
- `Optimizer._use_weight_decay(variable)` (`uses_weight_decay`; AdamP,
  SGDP): the decay scaled by the projection (`wd_ratio`) must honour
  `exclude_from_weight_decay`, whose lists only this method reads.
- `Optimizer._apply_weight_decay(variables)` (`skip_base_weight_decay`;
  AdamP, SGDP): the base class applies decoupled decay before
  `update_step`; AdamP's decay depends on whether the projection fired, so
  the base decay must be switched off, and this hook is the only switch.
- `Optimizer._trainable_variables` (`built_variables`; OrthoGrad):
  `apply(grads)` without variables updates the ones `build` received; a list
  of our own on an optimizer would make Keras's attribute tracking count the
  model's variables as optimizer state.
- `MultiHeadAttention._inverse_sqrt_key_dim` (`set_attention_query_scale`;
  MuMultiHeadAttention): the factor the layer multiplies queries by; µP
  needs 1/d instead of 1/sqrt(d) and the layer has no scale argument.
- `Muon._should_use_adamw(variable)` (`muon_steps_with_adamw`;
  NoiseAdaptiveLayerwiseLR): which variables Muon sends to its AdamW branch
  rather than its orthogonalized step; the wrapper gives only the others
  a layerwise rate.
- KerasTuner's `Oracle._display` and `Oracle._get_oracle_fname()`
  (`rebind_oracle_display`, `oracle_state_path`; ThresholdoutOracle): the
  wrapper takes over a built oracle's attributes, so the display object
  must point at the wrapper, and a resumed search's saved state is read
  from the file the oracle itself writes.
- `Trainer._loss_tracker`, the metric named `"loss"` in `Model.metrics`
  (`loss_tracker`; the model wrappers' custom training steps): Keras's own
  `train_step` updates it and `compute_metrics` does not, so a custom step
  must update it for `loss` to reach the logs.
"""

import keras

LOSS_TRACKER_NAME = "loss"


def _private_attribute(owner, name):
    try:
        return getattr(owner, name)
    except AttributeError as error:
        raise AttributeError(
            f"kerastricks relies on the private Keras attribute "
            f"`{type(owner).__name__}.{name}`, which Keras "
            f"{keras.__version__} does not have. This Keras release is not "
            "supported yet: install the Keras version named in kerastricks's "
            "requirements, or update kerastricks/utils/keras_internals.py."
        ) from error


def variable_index(optimizer, variable):
    """The index of `variable` in the slot lists that
    `optimizer.add_optimizer_variables` created
    (`Optimizer._get_variable_index`)."""
    return _private_attribute(optimizer, "_get_variable_index")(variable)


def uses_weight_decay(optimizer, variable):
    """Whether `variable` is decayed, honouring
    `optimizer.exclude_from_weight_decay` (`Optimizer._use_weight_decay`)."""
    return _private_attribute(optimizer, "_use_weight_decay")(variable)


def built_variables(optimizer):
    """The variables `optimizer.build` received
    (`Optimizer._trainable_variables`)."""
    return _private_attribute(optimizer, "_trainable_variables")


def skip_base_weight_decay(optimizer, variables):
    """Assigned as `_apply_weight_decay` in an optimizer class: the base
    class's decoupled weight decay does nothing, because `update_step`
    applies its own."""
    del optimizer, variables


def set_attention_query_scale(layer, scale):
    """Makes the `keras.layers.MultiHeadAttention` `layer` multiply its
    queries by `scale` (`MultiHeadAttention._inverse_sqrt_key_dim`,
    1/sqrt(key_dim) by default)."""
    _private_attribute(layer, "_inverse_sqrt_key_dim")
    layer._inverse_sqrt_key_dim = scale


def muon_steps_with_adamw(optimizer, variable):
    """Whether the `keras.optimizers.Muon` `optimizer` updates `variable`
    with its AdamW branch instead of the orthogonalized step
    (`Muon._should_use_adamw`)."""
    return _private_attribute(optimizer, "_should_use_adamw")(variable)


def rebind_oracle_display(oracle):
    """Points the progress display of a KerasTuner `oracle`, if it has one,
    at `oracle` itself (`Oracle._display.oracle`)."""
    display = getattr(oracle, "_display", None)
    if display is not None:
        display.oracle = oracle


def oracle_state_path(oracle):
    """The `oracle.json` file a KerasTuner `oracle` saves its state to
    (`Oracle._get_oracle_fname()`), or None before the oracle has a
    project directory (`Oracle._directory`)."""
    if getattr(oracle, "_directory", None) is None:
        return None
    return _private_attribute(oracle, "_get_oracle_fname")()


def loss_tracker(model):
    """The `keras.metrics.Mean` named `"loss"` that Keras's `train_step`
    updates with each batch's loss (`Trainer._loss_tracker`); `None` if the
    model is not compiled."""
    for metric in model.metrics:
        if metric.name == LOSS_TRACKER_NAME:
            return metric
    if model.compiled:
        raise AttributeError(
            f"kerastricks relies on Keras's loss tracker, the metric named "
            f"{LOSS_TRACKER_NAME!r} in `Model.metrics` of a compiled model, "
            f"which Keras {keras.__version__} does not have (metrics: "
            f"{[metric.name for metric in model.metrics]}). Install the Keras "
            "version named in kerastricks's requirements."
        )
    return None
