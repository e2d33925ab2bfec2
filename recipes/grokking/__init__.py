from kerastricks.recipes.grokking.grokking import GrokkingRecipe
from kerastricks.recipes.grokking.grokking_presets import grokking_presets
from kerastricks.recipes.presets import register_presets

register_presets(grokking_presets, GrokkingRecipe)
