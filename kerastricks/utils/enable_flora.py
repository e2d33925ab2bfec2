import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.layers.flora import FLoRA
from kerastricks.layers.flora import eligible_for_flora
from kerastricks.utils import validation


@kerastricks_export("kerastricks.utils.enable_flora")
def enable_flora(model, rank=8, scale=1.0):
    """A copy of `model` whose `Dense`/`Conv*D` layers carry FLoRA adapters.

    The parameter-efficient fine-tuning setup of FLoRA in one call: every
    eligible layer (a `Dense`, `Conv1D`, `Conv2D` or `Conv3D` with a plain
    kernel, nested models included) is cloned with its weights and wrapped
    in `kerastricks.layers.FLoRA`; every other layer is cloned with its
    weights and frozen. The result computes exactly what `model` computes
    (the adapters' cores start at zero) and its only trainable weights are
    the adapters'. `model` itself is left unchanged. To train a new head as
    well, set that layer of the result `trainable = True` before `compile`.
    Frozen `BatchNormalization` layers run in inference mode, as Keras
    does for any frozen BatchNorm.

    ```python
    for layer in model (recursively):
        copy = clone of layer with its weights
        copy = FLoRA(copy, rank, scale) if eligible else frozen copy
    ```

    Args:
        model: a built Sequential or functional `keras.Model` (subclassed
            models cannot be cloned: wrap their layers with
            `kerastricks.layers.FLoRA` where they are created).
        rank: positive int, the rank of every kernel axis (capped at the
            axis's size), as `FLoRA`'s `rank`. Defaults to `8`.
        scale: float > 0, the multiplier of every update. Defaults to
            `1.0`.

    Returns:
        A new `keras.Model`.

    Example:

    >>> model = keras.Sequential([keras.Input((6, 6, 3)),
    ...                           keras.layers.Conv2D(4, 3),
    ...                           keras.layers.Flatten(),
    ...                           keras.layers.Dense(2)])
    >>> adapted = kerastricks.utils.enable_flora(model, rank=2)
    >>> x = np.random.rand(1, 6, 6, 3)
    >>> bool(np.array_equal(adapted.predict(x, verbose=0),
    ...                     model.predict(x, verbose=0)))
    True
    >>> [tuple(w.shape) for w in adapted.trainable_weights]
    [(2, 2, 2, 2), (3, 2), (3, 2), (3, 2), (4, 2), (2, 2), (64, 2), (2, 2)]

    References:
        - [Si et al., 2024](https://arxiv.org/abs/2405.14739), "FLoRA:
          Low-Rank Core Space for N-dimension".
    """
    validation.check_built_model("model", model)
    validation.check_positive_int("rank", rank)
    validation.check_positive("scale", scale)
    copies = []

    def clone(layer):
        copy = layer.__class__.from_config(layer.get_config())
        copies.append((layer, copy))
        if eligible_for_flora(layer):
            return FLoRA(copy, rank=rank, scale=scale,
                         name=f"flora_{layer.name}")
        copy.trainable = False
        return copy

    try:
        adapted = keras.models.clone_model(model, clone_function=clone,
                                           recursive=True)
    except ValueError as error:
        raise ValueError(
            "enable_flora needs a Sequential or functional `model` (a "
            "subclassed model cannot be cloned; wrap its layers with "
            "kerastricks.layers.FLoRA instead). Received: model of type "
            f"{type(model).__name__}") from error
    for source, copy in copies:
        copy.set_weights(source.get_weights())
    return adapted
