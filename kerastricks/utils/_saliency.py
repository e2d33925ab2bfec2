"""Shared pieces of the saliency utilities: picking the explained class,
and gradients of its logit with respect to inputs or a layer's output."""

import keras
import numpy as np
from keras import ops

from kerastricks import backend


def check_model(owner, model):
    """A functional (or Sequential) `keras.Model` with one input and one
    output."""
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"{owner} needs a functional `keras.Model`. Received: model of "
            f"type {type(model).__name__}")
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    if not inputs or not outputs:
        raise ValueError(
            f"{owner} needs a functional or Sequential model with known "
            f"inputs (a subclassed model has none). Received: model "
            f"{model.name!r} of type {type(model).__name__}")
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            f"{owner} explains models with one input and one output. "
            f"Received: model {model.name!r} with {len(inputs)} inputs and "
            f"{len(outputs)} outputs")
    return model


def check_target_class(target_class, num_classes):
    """None, an int class id or a sequence of ids (one per example)."""
    if target_class is None:
        return None
    ids = np.asarray(target_class)
    if not np.issubdtype(ids.dtype, np.integer) or ids.ndim > 1:
        raise TypeError(
            "Argument `target_class` must be None, an int or a 1-D "
            f"sequence of ints. Received: target_class={target_class!r}")
    if np.any(ids < 0) or np.any(ids >= num_classes):
        raise ValueError(
            f"Argument `target_class` must be in [0, {num_classes}). "
            f"Received: target_class={target_class!r}")
    return ids


def class_mask(model, x, target_class):
    """`(batch, classes)` one-hot float32 of the explained class of each
    example: `target_class`, or the predicted class when None."""
    logits = ops.convert_to_numpy(model(x, training=False))
    num_classes = logits.shape[-1]
    ids = check_target_class(target_class, num_classes)
    if ids is None:
        ids = np.argmax(logits.reshape(len(logits), -1), axis=-1)
    ids = np.broadcast_to(ids, (len(logits),))
    return np.eye(num_classes, dtype="float32")[ids]


def check_images(owner, x):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"{owner} needs floating-point inputs `x`. Received: x of "
            f"dtype {x.dtype}")
    return x.astype("float32")


def score_gradient(score_model, inputs, mask, wrt):
    """The gradient of `sum(mask * score_model(inputs))` (the explained
    logits, summed over the batch: the examples do not interact in
    inference mode) with respect to `inputs[wrt]`, as NumPy."""
    inputs = [ops.convert_to_tensor(value) for value in inputs]
    mask = ops.convert_to_tensor(mask)

    def explained_logits(value):
        values = list(inputs)
        values[wrt] = value
        outputs = score_model(values if len(values) > 1 else values[0],
                              training=False)
        return ops.sum(ops.cast(outputs, "float32") * mask)

    _, gradient = backend.get().loss_and_input_gradients(explained_logits,
                                                         inputs[wrt])
    return ops.convert_to_numpy(gradient)


def layer_activations_and_gradients(owner, model, x, layer_name,
                                    target_class):
    """`(A, dA)`: the output of the layer named `layer_name` and the
    gradient of the explained logit with respect to it, as NumPy."""
    check_model(owner, model)
    if not isinstance(layer_name, str):
        raise TypeError(
            "Argument `layer_name` must be a str. Received: "
            f"layer_name={layer_name!r} of type {type(layer_name).__name__}")
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(
            f"Argument `layer_name` must name a layer of the model, one of "
            f"{names}. Received: layer_name={layer_name!r}")
    layer_output = model.get_layer(layer_name).output
    if len(layer_output.shape) != 4:
        raise ValueError(
            f"{owner} needs a layer with 4-D output (batch, height, width, "
            f"channels). Received: layer_name={layer_name!r} with output "
            f"shape {tuple(layer_output.shape)}")
    x = check_images(owner, x)
    # One input: built on the tensor itself (not a one-element list), so
    # calling it on an array raises no input-structure warning.
    features = keras.Model(model.inputs[0], layer_output)
    # The rest of the network as a function of the input *and* the layer's
    # output: Keras uses the given value for that output, so the gradient
    # is exact even with skip connections around the layer.
    head = keras.Model(model.inputs + [layer_output], model.outputs)
    activations = ops.convert_to_numpy(features(x, training=False))
    mask = class_mask(model, x, target_class)
    gradients = score_gradient(head, [x, activations], mask, wrt=1)
    return activations, gradients
