"""Presets: named, plain-data hyperparameter values for a recipe.

A preset is `{"description": str, "hyperparameters": {name: value}}`, in the
spirit of keras-hub's `*_presets.py` files. Pretrained weights for a preset,
when shipped, live next to the recipe in
`recipes/<recipe>/weights/<preset>.weights.h5`.
"""

import os

import keras

_PRESET_KEYS = ("description", "hyperparameters")


def register_presets(presets, recipe_cls):
    """Checks `presets` and attaches them to `recipe_cls.presets`.

    Args:
        presets: dict mapping a preset name to
            `{"description": str, "hyperparameters": dict}`.
        recipe_cls: the `Recipe` subclass that owns them.

    Returns:
        `recipe_cls`, so that this can be used at the end of a module.
    """
    if not isinstance(presets, dict):
        raise TypeError(
            "Argument `presets` must be a dict of preset name -> preset. "
            f"Received: presets={presets!r}"
        )
    for preset_name, preset in presets.items():
        if not isinstance(preset, dict) or sorted(preset) != sorted(
            _PRESET_KEYS
        ):
            raise ValueError(
                f"Preset {preset_name!r} of {recipe_cls.__name__} must be a "
                f"dict with exactly the keys {_PRESET_KEYS}. "
                f"Received: {preset!r}"
            )
        if not isinstance(preset["hyperparameters"], dict):
            raise TypeError(
                f"Preset {preset_name!r}: `hyperparameters` must be a dict. "
                f"Received: {preset['hyperparameters']!r}"
            )
    recipe_cls.presets = dict(presets)
    return recipe_cls


def weights_path(recipe_name, preset):
    """Path of the weights file shipped for `preset` of `recipe_name`."""
    return os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        recipe_name,
        "weights",
        f"{preset}.weights.h5",
    )


def has_weights(recipe_name, preset):
    """Whether the package ships pretrained weights for this preset."""
    return os.path.isfile(weights_path(recipe_name, preset))


def layers_only(model):
    """An uncompiled functional view of `model` sharing its layers, so that
    `save_weights`/`load_weights` move the layers' weights only (a compiled
    model's weights file also holds its optimizer's state, and loading a
    file without it warns)."""
    return keras.Model(model.inputs, model.outputs)
