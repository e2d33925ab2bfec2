from kerastricks.recipes.contrastive.contrastive import ContrastiveRecipe
from kerastricks.recipes.contrastive.contrastive_presets import (
    contrastive_presets,
)
from kerastricks.recipes.presets import register_presets

register_presets(contrastive_presets, ContrastiveRecipe)
