from kerastricks.recipes.imbalanced_binary.imbalanced_binary import (
    ImbalancedBinaryRecipe,
)
from kerastricks.recipes.imbalanced_binary.imbalanced_binary_presets import (
    imbalanced_binary_presets,
)
from kerastricks.recipes.presets import register_presets

register_presets(imbalanced_binary_presets, ImbalancedBinaryRecipe)
