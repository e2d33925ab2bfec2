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

from kerastricks.recipes.char_transformer import CharTransformerRecipe
from kerastricks.recipes.contrastive import ContrastiveRecipe
from kerastricks.recipes.grokking import GrokkingRecipe
from kerastricks.recipes.image_classifier import ImageClassifierRecipe
from kerastricks.recipes.imbalanced_binary import ImbalancedBinaryRecipe
from kerastricks.recipes.recipe import Recipe

RECIPES = {
    recipe_cls.name: recipe_cls
    for recipe_cls in (
        CharTransformerRecipe,
        ContrastiveRecipe,
        GrokkingRecipe,
        ImageClassifierRecipe,
        ImbalancedBinaryRecipe,
    )
}


def list_recipes():
    """Sorted names of the available recipes."""
    return sorted(RECIPES)


def get_recipe(name):
    """Returns the `Recipe` subclass registered under `name`."""
    if name not in RECIPES:
        raise ValueError(
            f"Unknown recipe {name!r}. Available recipes: {list_recipes()}"
        )
    return RECIPES[name]


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
    "RECIPES",
    "Recipe",
    "create",
    "get_recipe",
    "list_recipes",
    "load",
]
