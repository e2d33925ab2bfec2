from kerastricks.recipes.presets import register_presets
from kerastricks.recipes.robust_classifier.robust_classifier import (
    RobustClassifierRecipe,
)
from kerastricks.recipes.robust_classifier.robust_classifier_presets import (
    robust_classifier_presets,
)

register_presets(robust_classifier_presets, RobustClassifierRecipe)
