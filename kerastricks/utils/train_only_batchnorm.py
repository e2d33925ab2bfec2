import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


@kerastricks_export("kerastricks.utils.train_only_batchnorm")
def train_only_batchnorm(model, train_output_layer=False):
    """Freezes every trainable weight except BatchNorm's gamma and beta.

    "Training BatchNorm and Only BatchNorm" shows that deep ResNets whose
    random convolution weights stay frozen still reach high accuracy when
    only the BatchNorm affine parameters (a per-channel scale and shift) are
    trained; optionally the output layer is trained too. This utility sets up
    that regime on any Keras model (BatchNorm layers inside nested models
    included) by marking every other variable non-trainable. Call it before
    `compile`.

    ```python
    for each trainable variable v of model:
        if v is not gamma/beta of a BatchNormalization layer
                and not (train_output_layer and v in model.layers[-1]):
            v.trainable = False
    ```

    Args:
        model: a built `keras.Model`.
        train_output_layer: bool, keep the last layer of `model.layers`
            trainable too (the paper's "BatchNorm + output" variant).
            Defaults to `False`.

    Returns:
        The list of variables it froze.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
    ...                           keras.layers.BatchNormalization(),
    ...                           keras.layers.Dense(2)])
    >>> frozen = kerastricks.utils.train_only_batchnorm(model)
    >>> len(frozen), len(model.trainable_weights)
    (4, 2)

    References:
        - [Frankle et al., 2021](https://arxiv.org/abs/2003.00152), "Training
          BatchNorm and Only BatchNorm: On the Expressive Power of Random
          Features in CNNs", ICLR 2021.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            "Argument `model` must be a keras.Model. "
            f"Received: model of type {type(model).__name__}"
        )
    validation.check_bool("train_output_layer", train_output_layer)
    if not model.built:
        raise ValueError(
            "Argument `model` must be built (call it or give it an Input) "
            f"before its weights can be frozen. Received: model={model.name}"
        )
    keep = set()
    for layer in _all_layers(model):
        if isinstance(layer, keras.layers.BatchNormalization):
            keep.update(id(v) for v in layer.trainable_weights)
    if train_output_layer:
        keep.update(id(v) for v in model.layers[-1].trainable_weights)
    frozen = []
    for variable in model.trainable_weights:
        if id(variable) not in keep:
            variable.trainable = False
            frozen.append(variable)
    return frozen
