from kerastricks.recipes.char_transformer.char_transformer import (
    CharTransformerRecipe,
)
from kerastricks.recipes.char_transformer.char_transformer_presets import (
    char_transformer_presets,
)
from kerastricks.recipes.char_transformer.learning_rate_sweep import (
    learning_rate_sweep,
)
from kerastricks.recipes.char_transformer.learning_rate_sweep import (
    lr_sensitivity,
)
from kerastricks.recipes.char_transformer.learning_rate_sweep import (
    plot_learning_rate_sweep,
)
from kerastricks.recipes.presets import register_presets

register_presets(char_transformer_presets, CharTransformerRecipe)
