"""The "LR sensitivity" experiment of Wortsman et al., 2023, "Small-scale
proxies for large-scale Transformer training instabilities"
(https://arxiv.org/abs/2309.14322), Figure 1, on this recipe: final loss
against learning rate, with and without qk-layernorm and the z-loss. The
sweep and the sensitivity are `kerastricks.utils.lr_sensitivity_sweep`;
this module only says how the recipe builds each run.
"""

import math

from kerastricks.recipes.char_transformer.char_transformer import (
    VOCABULARY_SIZE,
)
from kerastricks.recipes.char_transformer.char_transformer import (
    CharTransformerRecipe,
)
from kerastricks.utils.lr_sensitivity import lr_sensitivity
from kerastricks.utils.lr_sensitivity_sweep import lr_sensitivity_sweep
from kerastricks.utils.plot_lr_sensitivity import plot_lr_sensitivity

__all__ = ["learning_rate_sweep", "lr_sensitivity",
           "plot_learning_rate_sweep"]

DEFAULT_LEARNING_RATES = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
DEFAULT_VARIANTS = {
    "baseline": {"qk_norm": False, "logit_z_loss": False},
    "qk_norm + z_loss": {"qk_norm": True, "logit_z_loss": True},
}


def learning_rate_sweep(learning_rates=DEFAULT_LEARNING_RATES,
                        variants=None, epochs=1, data=None, seed=0,
                        batch_size=None, recipe_kwargs=None,
                        hyperparameters=None, verbose=0):
    """Trains one model per (variant, learning rate) and records its final
    validation cross-entropy.

    Each run warms up, then follows a cosine decay to zero over the whole
    run, as in the paper. A run that diverges records `nan`. The loss at
    initialization is that of the uniform prediction, `log(256)`.

    Args:
        learning_rates: the peak learning rates to try.
        variants: dict of variant name -> hyperparameter overrides.
            Defaults to plain attention + cross-entropy vs qk-layernorm +
            z-loss.
        epochs: int, epochs per run. Defaults to `1`.
        data: the `data` argument of `load_data`. Defaults to `None`.
        seed: seed of the data split and of every run's initialization.
        batch_size: int. Defaults to the recipe's.
        recipe_kwargs: dict of `CharTransformerRecipe` constructor
            arguments (e.g. `sequence_length`).
        hyperparameters: dict of overrides shared by every run.
        verbose: `model.fit` verbosity. Defaults to `0`.

    Returns:
        The dict of `kerastricks.utils.lr_sensitivity_sweep`:
        `{"learning_rates": [...], "final_loss": {variant: [...]},
        "lr_sensitivity": {variant: float}, "initial_loss": float,
        "metric": "val_cross_entropy"}`.
    """
    variants = DEFAULT_VARIANTS if variants is None else variants
    recipe_kwargs = dict(recipe_kwargs or {})
    splits = CharTransformerRecipe(**recipe_kwargs).load_data(data, seed)
    x, _ = splits["train"]
    batch_size = batch_size or CharTransformerRecipe.default_batch_size
    steps = epochs * math.ceil(len(x) / batch_size)

    def build_model(learning_rate, **overrides):
        recipe = CharTransformerRecipe(
            **{**recipe_kwargs, "decay_steps": steps}
        )
        recipe.set_hyperparameters(
            **{**(hyperparameters or {}), **overrides,
               "learning_rate": float(learning_rate)}
        )
        return recipe.build(recipe.hyperparameters)

    return lr_sensitivity_sweep(
        build_model, learning_rates, splits["train"],
        validation_data=splits["validation"], variants=variants,
        epochs=epochs, batch_size=batch_size, metric="val_cross_entropy",
        initial_loss=math.log(VOCABULARY_SIZE), seed=seed, verbose=verbose,
    )


def plot_learning_rate_sweep(results, path, title=None):
    """Writes the final-loss-vs-learning-rate plot to `path` (PNG)."""
    return plot_lr_sensitivity(
        results, path, title=title or "char_transformer: LR sensitivity",
        ylabel="final validation loss (nats/byte)",
    )
