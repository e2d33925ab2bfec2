"""Interval bound propagation through a chain of Keras layers."""

import numbers

import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import interval_bounds as interval
from kerastricks.utils import validation

SUPPORTED_LAYERS = ("Dense", "Conv1D", "Conv2D", "Conv3D",
                    "BatchNormalization", "ReLU", "Activation", "Flatten",
                    "Reshape", "Dropout", "InputLayer", "nested Sequential "
                    "or functional models of these")


@kerastricks_export("kerastricks.utils.interval_bounds")
def interval_bounds(model, x, epsilon, clip_min=None, clip_max=None):
    """Guaranteed bounds on a model's outputs for inputs within `epsilon`.

    Interval bound propagation (IBP): the L-infinity ball
    `[x - epsilon, x + epsilon]` (clipped to `[clip_min, clip_max]`) is
    pushed through the layers as a box; every output the model gives for
    an input in the ball lies between the returned bounds. Cheap (two
    forward passes' worth) and differentiable, so it serves both to
    certify robustness (the true class's lower bound beats every other
    class's upper bound) and to train for it
    (`kerastricks.models.IntervalBoundPropagation`).

    ```python
    mu, r = (u + l) / 2, (u - l) / 2        # affine layer W, b
    mu, r = W mu + b, |W| r
    l, u = f(l), f(u)                       # monotone activation f
    ```
    Batch normalization uses its moving statistics (inference), an
    elementwise affine map.

    Args:
        model: a built Sequential or functional `keras.Model` whose layers
            form one chain, of Dense, Conv1D/2D/3D (`groups=1`),
            BatchNormalization, ReLU, monotone Activation (relu, sigmoid,
            tanh, ...), Flatten, Reshape and Dropout layers, or nested
            such models.
        x: float array `(batch, ...)`, the nominal inputs.
        epsilon: float >= 0 (or a scalar tensor), the L-infinity radius.
        clip_min: optional float, the smallest valid input value (e.g. 0
            for images). Defaults to `None`.
        clip_max: optional float, the largest valid input value. Defaults
            to `None`.

    Returns:
        `(lower, upper)`: float32 tensors of the model's output shape.

    Example:

    >>> model = keras.Sequential([keras.Input((2,)),
    ...                           keras.layers.Dense(1, use_bias=False)])
    >>> model.set_weights([np.array([[1.0], [-2.0]])])
    >>> lower, upper = kerastricks.utils.interval_bounds(
    ...     model, np.array([[1.0, 1.0]]), epsilon=0.5)
    >>> float(lower[0, 0]), float(upper[0, 0])
    (-2.5, 0.5)

    References:
        - [Gowal et al., 2018](https://arxiv.org/abs/1810.12715), "On the
          Effectiveness of Interval Bound Propagation for Training
          Verifiably Robust Models".
        - [Mao et al., 2023](https://arxiv.org/abs/2306.10426),
          "Understanding Certified Training with Interval Bound
          Propagation".
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            "Argument `model` must be a Sequential or functional "
            f"keras.Model. Received: model of type {type(model).__name__}"
        )
    if hasattr(epsilon, "shape") and not isinstance(epsilon, numbers.Real):
        # A tensor, e.g. a ramped epsilon inside a training step.
        epsilon = ops.cast(epsilon, "float32")
    else:
        validation.check_non_negative("epsilon", epsilon)
    for name, value in (("clip_min", clip_min), ("clip_max", clip_max)):
        if value is not None:
            validation.check_number(name, value)
    x = ops.cast(ops.convert_to_tensor(x), "float32")
    lower, upper = x - epsilon, x + epsilon
    if clip_min is not None:
        lower, upper = (ops.maximum(lower, clip_min),
                        ops.maximum(upper, clip_min))
    if clip_max is not None:
        lower, upper = (ops.minimum(lower, clip_max),
                        ops.minimum(upper, clip_max))
    return _propagate_model(model, lower, upper)


def _chain(model):
    """The model's layers in order, checked to feed one another."""
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    if not inputs or not outputs or len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            "interval_bounds needs a built Sequential or functional model "
            "with one input and one output (a subclassed model's layers "
            f"cannot be read as a chain). Received: model {model.name!r}"
        )
    if isinstance(model, keras.Sequential):
        # A chain by construction (and its layers' first nodes may come
        # from an earlier build, so they need not link up).
        return [layer for layer in model.layers
                if not isinstance(layer, keras.layers.InputLayer)]
    previous = inputs[0]
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if layer.input is not previous:
            raise ValueError(
                "interval_bounds needs the layers of one chain, each fed "
                f"by the one before. Received: layer {layer.name!r} of "
                f"model {model.name!r} reads another tensor (a branch or "
                "a merge)"
            )
        layers.append(layer)
        previous = layer.output
    if previous is not outputs[0]:
        raise ValueError(
            f"interval_bounds: the layers of model {model.name!r} do not "
            "end at its output (a branch or a merge)"
        )
    return layers


def _propagate_model(model, lower, upper):
    for layer in _chain(model):
        lower, upper = _propagate_layer(layer, lower, upper)
    return lower, upper


def _activation_name(layer, activation):
    name = keras.activations.serialize(activation)
    if isinstance(name, dict):
        name = name.get("config", name.get("class_name"))
    if name not in interval.MONOTONE_ACTIVATIONS:
        raise ValueError(
            f"interval_bounds supports only monotone activations "
            f"{interval.MONOTONE_ACTIVATIONS}. Received: layer "
            f"{layer.name!r} with activation {name!r}"
        )
    return activation


def _float32(variable):
    return ops.cast(variable, "float32")


def _propagate_layer(layer, lower, upper):
    if isinstance(layer, keras.Model):
        return _propagate_model(layer, lower, upper)
    if isinstance(layer, keras.layers.Dense):
        validation.check_plain_kernel("interval_bounds", layer)
        activation = _activation_name(layer, layer.activation)
        bias = _float32(layer.bias) if layer.use_bias else None
        lower, upper = interval.interval_dense(
            lower, upper, _float32(layer.kernel), bias)
        return activation(lower), activation(upper)
    if isinstance(layer, (keras.layers.Conv1D, keras.layers.Conv2D,
                          keras.layers.Conv3D)) and not isinstance(
            layer, (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose,
                    keras.layers.Conv3DTranspose)):
        validation.check_plain_kernel("interval_bounds", layer)
        if layer.groups != 1:
            raise ValueError(
                "interval_bounds supports convolutions with groups=1. "
                f"Received: layer {layer.name!r} with groups={layer.groups}"
            )
        activation = _activation_name(layer, layer.activation)
        bias = _float32(layer.bias) if layer.use_bias else None
        lower, upper = interval.interval_conv(
            lower, upper, _float32(layer.kernel), bias,
            strides=layer.strides, padding=layer.padding,
            data_format=layer.data_format, dilation_rate=layer.dilation_rate)
        return activation(lower), activation(upper)
    if isinstance(layer, keras.layers.BatchNormalization):
        scale, shift = _batch_norm_affine(layer, len(lower.shape))
        return interval.interval_scale_shift(lower, upper, scale, shift)
    if isinstance(layer, keras.layers.Activation):
        activation = _activation_name(layer, layer.activation)
        return activation(lower), activation(upper)
    if isinstance(layer, (keras.layers.ReLU, keras.layers.Flatten,
                          keras.layers.Reshape)):
        # ReLU (any slope >= 0, threshold, cap) is monotone; the shape
        # layers only move entries.
        return (ops.cast(layer(lower), "float32"),
                ops.cast(layer(upper), "float32"))
    if isinstance(layer, keras.layers.Dropout):
        return lower, upper  # the identity at inference
    raise ValueError(
        f"interval_bounds cannot propagate bounds through layer "
        f"{layer.name!r} of type {type(layer).__name__}. Supported: "
        f"{', '.join(SUPPORTED_LAYERS)}"
    )


def _batch_norm_affine(layer, rank):
    """`(scale, shift)` of the layer at inference, broadcastable."""
    shape = [1] * rank
    shape[layer.axis] = -1
    inverse_std = 1.0 / ops.sqrt(_float32(layer.moving_variance)
                                 + layer.epsilon)
    scale = inverse_std if layer.gamma is None else (
        _float32(layer.gamma) * inverse_std)
    shift = -_float32(layer.moving_mean) * scale
    if layer.beta is not None:
        shift = shift + _float32(layer.beta)
    return ops.reshape(scale, shape), ops.reshape(shift, shape)
