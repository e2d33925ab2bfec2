"""Ready models and KerasTuner search spaces built from kerastricks.

Shipped in the same distribution as `kerastricks` and installed as
`kerastricks.recipes`; they need the `recipes` extra (KerasTuner, matplotlib,
scikit-learn): `pip install 'kerastricks[recipes]'`.

```python
from kerastricks import recipes

recipes.list_recipes()                       # ['contrastive', 'grokking', ...]
model = recipes.load("grokking", preset="orthograd")   # compiled, ready to fit
recipe = recipes.get_recipe("grokking").from_preset("orthograd")
data = recipe.load_data()
```
"""

import importlib

# The recipes and `Recipe` load on first use: they need KerasTuner (the
# `recipes` extra), while `import kerastricks` imports this package for the
# Keras objects of saved recipe models (`layers`, `metrics`), which need
# only Keras.
_RECIPE_CLASSES = {
    "CharTransformerRecipe": "kerastricks.recipes.char_transformer",
    "ContrastiveRecipe": "kerastricks.recipes.contrastive",
    "GrokkingRecipe": "kerastricks.recipes.grokking",
    "ImageClassifierRecipe": "kerastricks.recipes.image_classifier",
    "ImbalancedBinaryRecipe": "kerastricks.recipes.imbalanced_binary",
    "Recipe": "kerastricks.recipes.recipe",
    "RobustClassifierRecipe": "kerastricks.recipes.robust_classifier",
    "BinaryNetRecipe": "kerastricks.recipes.binary_net",
}


def __getattr__(name):
    if name in _RECIPE_CLASSES:
        module = importlib.import_module(_RECIPE_CLASSES[name])
        return getattr(module, name)
    if name == "RECIPES":
        return _recipes()
    raise AttributeError(
        f"module 'kerastricks.recipes' has no attribute {name!r}")


def _recipes():
    """`{name: Recipe subclass}` of every recipe."""
    classes = [__getattr__(name) for name in sorted(_RECIPE_CLASSES)
               if name != "Recipe"]
    return {recipe_cls.name: recipe_cls for recipe_cls in classes}


def list_recipes():
    """Sorted names of the available recipes."""
    return sorted(_recipes())


def get_recipe(name):
    """Returns the `Recipe` subclass registered under `name`."""
    recipes = _recipes()
    if name not in recipes:
        raise ValueError(
            f"Unknown recipe {name!r}. Available recipes: {list_recipes()}"
        )
    return recipes[name]


def create(name, preset=None, **kwargs):
    """Returns a recipe instance, from a preset or from the defaults.

    Keyword arguments the recipe's constructor takes go to the constructor;
    the others are hyperparameter overrides.
    """
    recipe_cls = get_recipe(name)
    if preset is not None:
        return recipe_cls.from_preset(preset, **kwargs)
    init_names = recipe_cls.init_argument_names()
    recipe = recipe_cls(
        **{k: v for k, v in kwargs.items() if k in init_names}
    )
    return recipe.set_hyperparameters(
        **{k: v for k, v in kwargs.items() if k not in init_names}
    )


def load(name, preset=None, pretrained=False, **overrides):
    """Returns the recipe's model, compiled and ready to fit.

    Args:
        name: a recipe name (see `list_recipes()`).
        preset: optional preset name (see `get_recipe(name).presets`).
        pretrained: bool, load the weights shipped for `preset`.
            Defaults to `False`.
        **overrides: constructor arguments of the recipe (the fixed
            problem) and hyperparameter values.
    """
    recipe = create(name, preset=preset, **overrides)
    model = recipe.build(recipe.hyperparameters)
    if pretrained:
        recipe.load_pretrained_weights(model)
    return model


__all__ = [
    "CharTransformerRecipe",
    "ContrastiveRecipe",
    "GrokkingRecipe",
    "ImageClassifierRecipe",
    "ImbalancedBinaryRecipe",
    "RECIPES",
    "Recipe",
    "create",
    "get_recipe",
    "list_recipes",
    "load",
    "RobustClassifierRecipe",
    "BinaryNetRecipe",
]
