from recipes.imbalanced_binary.imbalanced_binary import ImbalancedBinaryRecipe
from recipes.imbalanced_binary.imbalanced_binary_presets import (
    imbalanced_binary_presets,
)
from recipes.presets import register_presets

register_presets(imbalanced_binary_presets, ImbalancedBinaryRecipe)
