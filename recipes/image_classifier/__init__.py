from kerastricks.recipes.image_classifier.image_classifier import (
    ImageClassifierRecipe,
)
from kerastricks.recipes.image_classifier.image_classifier_presets import (
    image_classifier_presets,
)
from kerastricks.recipes.presets import register_presets

register_presets(image_classifier_presets, ImageClassifierRecipe)
