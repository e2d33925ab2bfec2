"""Argument checks that raise errors quoting the received value."""

import math
import numbers

import keras
import numpy as np

from kerastricks.backend import value_checks


def _received(name, value):
    return f"Received: {name}={value!r}"


def check_number(name, value, allow_infinite=False):
    """Raises unless `value` is a finite real Python or NumPy number.

    `TypeError` for bools and non-numbers, `ValueError` for NaN and, unless
    `allow_infinite` (for arguments where infinity has a meaning the caller
    documents), for +-inf.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"Argument `{name}` must be a real number. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    if math.isnan(value):
        raise ValueError(f"Argument `{name}` must not be NaN. "
                         f"{_received(name, value)}")
    if math.isinf(value) and not allow_infinite:
        raise ValueError(f"Argument `{name}` must be finite. "
                         f"{_received(name, value)}")
    return value


def check_in_range(
    name, value, low=None, high=None, low_inclusive=True, high_inclusive=True
):
    """Checks `low <= value <= high` (bounds optional, inclusivity chosen).

    Returns the value, so it can be used inline in an assignment.
    """
    check_number(name, value)
    too_low = low is not None and (
        value < low if low_inclusive else value <= low
    )
    too_high = high is not None and (
        value > high if high_inclusive else value >= high
    )
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        low_text = "-inf" if low is None else repr(low)
        high_text = "inf" if high is None else repr(high)
        raise ValueError(
            f"Argument `{name}` must be in {left}{low_text}, {high_text}"
            f"{right}. {_received(name, value)}"
        )
    return value


def check_positive(name, value):
    return check_in_range(name, value, low=0, low_inclusive=False)


def check_non_negative(name, value):
    return check_in_range(name, value, low=0)


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"Argument `{name}` must be an integer. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    if value <= 0:
        raise ValueError(
            f"Argument `{name}` must be a positive integer. "
            f"{_received(name, value)}"
        )
    return int(value)


def check_positive_int_sequence(name, value):
    """Checks a non-empty list or tuple of positive ints; returns a tuple."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"Argument `{name}` must be a non-empty tuple of positive ints. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    if not value:
        raise ValueError(
            f"Argument `{name}` must be a non-empty tuple of positive ints. "
            f"{_received(name, value)}"
        )
    return tuple(check_positive_int(name, item) for item in value)


def check_axis(name, value):
    """Checks an int axis (bools refused); returns it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"Argument `{name}` must be an int axis. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    return int(value)


def check_learning_rate(name, value):
    """A finite number >= 0, a `LearningRateSchedule` or a callable.

    Keras optimizers accept anything here and a NaN, infinite or negative
    rate only shows as NaN weights after the first step.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        raise TypeError(
            f"Argument `{name}` must be a finite float >= 0, a "
            "keras.optimizers.schedules.LearningRateSchedule or a callable. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    if isinstance(value, numbers.Real):
        check_non_negative(name, value)
    return value


def check_bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(
            f"Argument `{name}` must be a bool. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    return value


def check_one_of(name, value, allowed):
    if value not in allowed:
        raise ValueError(
            f"Argument `{name}` must be one of {sorted(allowed)!r}. "
            f"{_received(name, value)}"
        )
    return value


def check_examples(name, data):
    """Checks an `(x, y)` pair of equal, non-zero lengths; returns NumPy
    arrays."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(
            f"Argument `{name}` must be a tuple (x, y). "
            f"Received: {name} of type {type(data).__name__}"
        )
    x, y = (np.asarray(part) for part in data)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(
            f"`{name}` x and y must hold the same, non-zero number of "
            f"examples. Received: {len(x)} inputs and {len(y)} labels"
        )
    return x, y


def check_built_model(name, model):
    """Checks that `model` is a built `keras.Model`; returns it."""
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"Argument `{name}` must be a keras.Model. "
            f"Received: {name} of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            f"Argument `{name}` must be built (call it or give it an Input). "
            f"Received: {name}={model.name}"
        )
    return model


# Call-time checks of loss inputs.
#
# Everything knowable from static shapes and dtypes is checked at trace time
# by `check_loss_inputs`, identically on every backend. Label *values* are
# data: checking them costs a reduction and a host round trip per call, so
# it is an opt-in debug mode (`enable_label_value_checks`) that runs
# eagerly and inside compiled steps through the backend need
# `kerastricks.backend.value_checks.checked_values`; with the mode
# off nothing is added to the step.

LABEL_KINDS = ("binary", "sparse", "dense")

_label_value_checks = {"enabled": False}


def enable_label_value_checks(enabled=True):
    """Turns the data-dependent label checks of the kerastricks losses on/off.

    When on, each loss checks its labels' values (binary labels in [0, 1],
    class ids in [0, num_classes), one-hot or soft targets in [0, 1]) and
    fails with an error naming the loss and quoting the offending values:
    a `ValueError` in eager calls, `run_eagerly=True` and torch (compiled
    or not); inside a compiled JAX step JAX's runtime error carrying that
    message; inside a `tf.function` step a `tf.errors.InvalidArgumentError`
    with it. XLA on TensorFlow (`jit_compile=True`) drops assertions, so
    there the check warns that it cannot run. Off by default: it adds a
    reduction and a host round trip to every loss call. Enable it before
    `model.compile`, which traces the step.
    """
    _label_value_checks["enabled"] = check_bool("enabled", enabled)


def label_value_checks_enabled():
    return _label_value_checks["enabled"]


def _static_shape(tensor):
    return tuple(tensor.shape)


def _dims_agree(shape_a, shape_b):
    return len(shape_a) == len(shape_b) and all(
        a is None or b is None or a == b for a, b in zip(shape_a, shape_b)
    )


def _without_trailing_ones(shape):
    shape = list(shape)
    while shape and shape[-1] == 1:
        shape.pop()
    return tuple(shape)


def _dtype_of(tensor):
    return keras.backend.standardize_dtype(tensor.dtype)


def check_predictions(loss_name, y_pred, min_rank=0):
    """Raises `TypeError` unless `y_pred` is floating, `ValueError` if its
    rank is below `min_rank`; returns a tensor."""
    y_pred = keras.ops.convert_to_tensor(y_pred)
    pred_dtype = _dtype_of(y_pred)
    if not keras.backend.is_float_dtype(pred_dtype):
        raise TypeError(
            f"{loss_name} needs floating-point `y_pred` (logits or "
            f"probabilities). Received: y_pred of dtype {pred_dtype}"
        )
    if len(y_pred.shape) < min_rank:
        raise ValueError(
            f"{loss_name} needs `y_pred` of rank >= {min_rank} (a batch "
            f"axis{' and a class axis' if min_rank > 1 else ''}). "
            f"Received: y_pred of shape {_static_shape(y_pred)}"
        )
    return y_pred


def check_class_axis(loss_name, axis, rank):
    """Raises `ValueError` unless `axis` indexes an axis of a `y_pred` of
    rank `rank`; returns it as a non-negative index."""
    if not -rank <= axis < rank:
        raise ValueError(
            f"{loss_name}: argument `axis` must be a class axis of `y_pred`, "
            f"in [{-rank}, {rank}). Received: axis={axis} for y_pred of "
            f"rank {rank}"
        )
    return axis % rank


def check_input_rank(owner, name, shape, ranks):
    """Raises `ValueError` unless `len(shape)` is one of `ranks`.

    `owner` (a class name) and `name` (the argument) are quoted in the
    error with the received shape; returns the shape as a tuple.
    """
    shape = tuple(shape)
    if len(shape) not in ranks:
        allowed = " or ".join(str(rank) for rank in ranks)
        raise ValueError(
            f"{owner} expects `{name}` of rank {allowed}. "
            f"Received: {name} of shape {shape} (rank {len(shape)})"
        )
    return shape


def check_floating_input(owner, name, tensor):
    """Raises `TypeError` unless `tensor` is floating; returns it."""
    dtype = _dtype_of(tensor)
    if not keras.backend.is_float_dtype(dtype):
        raise TypeError(
            f"{owner} expects floating-point `{name}` (cast it, e.g. with "
            f"keras.ops.cast(x, 'float32')). Received: {name} of dtype "
            f"{dtype}"
        )
    return tensor


def check_same_size(owner, axis_name, named_shapes, axis=0):
    """Raises `ValueError` if the statically known sizes of `axis` of the
    `{name: shape}` entries disagree (the batch size, by default)."""
    sizes = {name: tuple(shape)[axis] for name, shape in named_shapes.items()}
    known = {size for size in sizes.values() if size is not None}
    if len(known) > 1:
        received = ", ".join(f"{name} of shape {tuple(shape)}"
                             for name, shape in named_shapes.items())
        raise ValueError(
            f"{owner} needs the same {axis_name} in "
            f"{', '.join(f'`{name}`' for name in sizes)}. "
            f"Received: {received}"
        )


def check_embeddings(loss_name, y_pred, paired_views=False):
    """Checks a contrastive loss's embeddings: floating, `(batch, dim)`,
    and, for `paired_views`, an even batch (two stacked views)."""
    y_pred = check_predictions(loss_name, y_pred)
    shape = _static_shape(y_pred)
    layout = "(2N, dim): two stacked views" if paired_views else (
        "(batch, dim)")
    if len(shape) != 2:
        raise ValueError(
            f"{loss_name} expects embeddings of shape {layout}. "
            f"Received: y_pred of shape {shape}"
        )
    if paired_views and shape[0] is not None and shape[0] % 2:
        raise ValueError(
            f"{loss_name} expects embeddings of shape {layout}, an even "
            f"number of rows. Received: y_pred of shape {shape}"
        )
    return y_pred


def check_group_labels(loss_name, y_true, y_pred):
    """Checks integer labels, one per row of the `(batch, dim)` `y_pred`:
    shape `(batch,)` or `(batch, 1)`; returns `y_true` as a tensor."""
    y_true = keras.ops.convert_to_tensor(y_true)
    true_shape = _static_shape(y_true)
    pred_shape = _static_shape(y_pred)
    received = (f"Received: y_true of shape {true_shape} and y_pred of "
                f"shape {pred_shape}")
    if len(_without_trailing_ones(true_shape)) > 1 or not true_shape or (
            not _dims_agree(true_shape[:1], pred_shape[:1])):
        raise ValueError(
            f"{loss_name} needs one integer label per embedding, `y_true` "
            f"of shape ({pred_shape[0]},). {received}"
        )
    true_dtype = _dtype_of(y_true)
    if not keras.backend.is_int_dtype(true_dtype):
        raise TypeError(
            f"{loss_name} needs integer labels in `y_true`. Received: "
            f"y_true of dtype {true_dtype} (cast the labels to int32)"
        )
    return y_true


def check_loss_inputs(loss_name, y_true, y_pred, labels, axis=-1):
    """Checks the static dtypes and shapes of a loss's inputs.

    Args:
        loss_name: the loss's class name, quoted in the errors.
        y_true: the labels.
        y_pred: the predictions (logits or probabilities); must be floating.
        labels: `"binary"` (0/1 labels of `y_pred`'s shape, up to trailing
            size-1 axes; bool, int or float), `"sparse"` (integer class ids
            of `y_pred`'s shape without `axis`, or with size 1 there) or
            `"dense"` (one-hot or soft targets of `y_pred`'s shape).
        axis: the class axis of `y_pred` for `"sparse"` and `"dense"`.

    Returns:
        `(y_true, y_pred)` as tensors.

    Raises:
        TypeError: `y_pred` is not floating, or `y_true` has a dtype the
            label kind does not allow.
        ValueError: the shapes disagree (rank, batch size or class count),
            wherever both sizes are known statically.
    """
    check_one_of("labels", labels, LABEL_KINDS)
    y_true = keras.ops.convert_to_tensor(y_true)
    # Class ids and targets need a batch axis and a class axis.
    y_pred = check_predictions(loss_name, y_pred,
                               min_rank=1 if labels == "binary" else 2)
    true_dtype = _dtype_of(y_true)
    true_shape = _static_shape(y_true)
    pred_shape = _static_shape(y_pred)
    received = (f"Received: y_true of shape {true_shape} and y_pred of "
                f"shape {pred_shape}")
    if labels == "sparse":
        class_axis = check_class_axis(loss_name, axis, len(pred_shape))
        expected = pred_shape[:class_axis] + pred_shape[class_axis + 1:]
        if len(true_shape) == len(pred_shape):
            if true_shape[class_axis] not in (1, None):
                raise ValueError(
                    f"{loss_name} with sparse labels needs class ids of "
                    f"shape {expected} (or with size 1 on the class axis), "
                    f"not one-hot targets. {received}"
                )
            true_shape = true_shape[:class_axis] + true_shape[class_axis + 1:]
        if not _dims_agree(true_shape, expected):
            raise ValueError(
                f"{loss_name} with sparse labels needs class ids of shape "
                f"{expected}. {received}"
            )
        if not keras.backend.is_int_dtype(true_dtype):
            raise TypeError(
                f"{loss_name} with sparse labels needs integer class ids in "
                f"`y_true`. Received: y_true of dtype {true_dtype} (use "
                "one-hot targets with the non-sparse setting, or cast the "
                "ids to int32)"
            )
        return y_true, y_pred
    if true_dtype not in ("bool",) and not (
        keras.backend.is_int_dtype(true_dtype)
        or keras.backend.is_float_dtype(true_dtype)
    ):
        raise TypeError(
            f"{loss_name} needs numeric `y_true`. Received: y_true of dtype "
            f"{true_dtype}"
        )
    if labels == "binary":
        agree = _dims_agree(_without_trailing_ones(true_shape),
                            _without_trailing_ones(pred_shape))
        if not agree:
            raise ValueError(
                f"{loss_name} needs 0/1 labels of the shape of `y_pred` "
                f"(the probability or logit of class 1). {received}"
            )
        return y_true, y_pred
    check_class_axis(loss_name, axis, len(pred_shape))
    if not _dims_agree(true_shape, pred_shape):
        raise ValueError(
            f"{loss_name} needs one-hot or soft targets of the shape of "
            f"`y_pred` (same batch size and class count). {received}"
        )
    return y_true, y_pred


def check_label_values(loss_name, y_true, labels, num_classes=None):
    """The opt-in data-dependent label check (see `enable_label_value_checks`).

    Returns `y_true`, which the loss must compute with: in a TensorFlow
    graph it carries the check as a dependency, so the check fails before
    an op that rejects the same labels with a message of its own. Does
    nothing unless the checks are enabled. `labels` is as in
    `check_loss_inputs`; `num_classes` bounds sparse class ids.
    """
    if not label_value_checks_enabled() or isinstance(y_true,
                                                       keras.KerasTensor):
        return y_true
    y_true = keras.ops.convert_to_tensor(y_true)
    if labels == "sparse":
        valid = keras.ops.greater_equal(y_true, 0)
        if num_classes is not None:
            valid = keras.ops.logical_and(
                valid, keras.ops.less(y_true, num_classes))
        allowed = f"class ids in [0, {num_classes})"
    else:
        as_float = keras.ops.cast(y_true, "float32")
        # NaN fails both comparisons.
        valid = keras.ops.logical_and(keras.ops.greater_equal(as_float, 0),
                                      keras.ops.less_equal(as_float, 1))
        allowed = ("0/1 labels (or soft labels in [0, 1])"
                   if labels == "binary"
                   else "one-hot or soft targets in [0, 1]")
    return value_checks.checked_values(
        valid, y_true, f"{loss_name} needs {allowed} in `y_true`.")


# Output activations that turn logits into probabilities.
_PROBABILITY_ACTIVATIONS = ("softmax", "sigmoid")


def _activation_name(activation):
    if activation is None:
        return None
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", None)


def _probability_output_layer(model):
    """The layer that turns `model`'s output into probabilities, or `None`.

    Looks at the layer that produces each output of a Sequential or
    functional model (recursing into a nested model there): a `Softmax`
    layer, or a layer whose `activation` is softmax or sigmoid. Subclassed
    models expose no output layer and are not inspected.
    """
    try:
        outputs = model.outputs or []
    except (AttributeError, ValueError):
        outputs = []  # an unbuilt Sequential model
    for layer in reversed(model.layers):
        try:
            produces_output = any(layer.output is output for output in outputs)
        except (AttributeError, ValueError):
            # A layer called several times has no single `output`.
            produces_output = False
        if not produces_output and not (
            isinstance(model, keras.Sequential) and layer is model.layers[-1]
        ):
            continue
        if isinstance(layer, keras.Model):
            found = _probability_output_layer(layer)
        elif isinstance(layer, keras.layers.Softmax):
            found = layer
        elif _activation_name(getattr(layer, "activation", None)) in (
            _PROBABILITY_ACTIVATIONS
        ):
            found = layer
        else:
            found = None
        if found is not None:
            return found
    return None


def check_logit_outputs(name, model, technique):
    """Raises `ValueError` if `model` visibly outputs probabilities.

    Techniques that soften the outputs with a temperature softmax (SAF,
    MESA) need logits; a softmax or sigmoid output layer (the
    `keras.applications` default) makes their loss meaningless.
    """
    layer = _probability_output_layer(model)
    if layer is None:
        return model
    activation = ("a Softmax layer" if isinstance(layer, keras.layers.Softmax)
                  else f"activation={_activation_name(layer.activation)!r}")
    raise ValueError(
        f"{technique} needs a model that outputs logits: its trajectory loss "
        "compares temperature-softened softmax distributions of the outputs, "
        f"which is meaningless on probabilities. Argument `{name}` ends in "
        f"layer {layer.name!r} with {activation}. Build the model without "
        "the output activation (`classifier_activation=None` for "
        "keras.applications, `activation=None` on the last layer) and give "
        "the loss `from_logits=True`."
    )


def check_plain_kernel(owner, layer):
    """Raises `ValueError` unless `layer`'s kernel is one plain variable
    (`owner` rewrites it): not LoRA factors, not quantized."""
    if getattr(layer, "lora_enabled", False):
        raise ValueError(
            f"{owner} cannot wrap a layer with LoRA enabled (its kernel is a "
            f"sum of factors). Received: layer={layer.name!r}"
        )
    if getattr(layer, "quantization_mode", None) is not None:
        raise ValueError(
            f"{owner} cannot wrap a quantized layer. Received: "
            f"quantization_mode={layer.quantization_mode!r}"
        )
