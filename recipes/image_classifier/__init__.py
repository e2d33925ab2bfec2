from recipes.image_classifier.image_classifier import ImageClassifierRecipe
from recipes.image_classifier.image_classifier_presets import (
    image_classifier_presets,
)
from recipes.presets import register_presets

register_presets(image_classifier_presets, ImageClassifierRecipe)
