from recipes.grokking.grokking import GrokkingRecipe
from recipes.grokking.grokking_presets import grokking_presets
from recipes.presets import register_presets

register_presets(grokking_presets, GrokkingRecipe)
