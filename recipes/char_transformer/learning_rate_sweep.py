"""The "LR sensitivity" experiment of Wortsman et al., 2023, "Small-scale
proxies for large-scale Transformer training instabilities"
(https://arxiv.org/abs/2309.14322), Figure 1: final loss against learning
rate, with and without qk-layernorm and the z-loss.
"""

import math

import keras
import numpy as np

from kerastricks.recipes import runner
from kerastricks.recipes.char_transformer.char_transformer import (
    VOCABULARY_SIZE,
)
from kerastricks.recipes.char_transformer.char_transformer import (
    CharTransformerRecipe,
)

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
    run, as in the paper. A run that diverges records `nan`.

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
        `{"learning_rates": [...], "final_loss": {variant: [...]},
        "lr_sensitivity": {variant: float}, "initial_loss": float}`.
    """
    variants = DEFAULT_VARIANTS if variants is None else variants
    recipe_kwargs = dict(recipe_kwargs or {})
    splits = CharTransformerRecipe(**recipe_kwargs).load_data(data, seed)
    x, y = splits["train"]
    batch_size = batch_size or CharTransformerRecipe.default_batch_size
    steps = epochs * math.ceil(len(x) / batch_size)
    results = {"learning_rates": [float(lr) for lr in learning_rates],
               "final_loss": {}, "lr_sensitivity": {},
               "initial_loss": math.log(VOCABULARY_SIZE)}
    for variant, overrides in variants.items():
        losses = []
        for learning_rate in learning_rates:
            keras.utils.set_random_seed(seed)
            recipe = CharTransformerRecipe(
                **{**recipe_kwargs, "decay_steps": steps}
            )
            recipe.set_hyperparameters(
                **{**(hyperparameters or {}), **overrides,
                   "learning_rate": float(learning_rate)}
            )
            model = recipe.build(recipe.hyperparameters)
            history = recipe.fit(
                recipe.hyperparameters, model, x, y, epochs=epochs,
                batch_size=batch_size, validation_data=splits["validation"],
                verbose=verbose,
            )
            final = history.history["val_cross_entropy"][-1]
            losses.append(float(final) if np.isfinite(final) else math.nan)
        results["final_loss"][variant] = losses
        results["lr_sensitivity"][variant] = lr_sensitivity(
            losses, results["initial_loss"]
        )
    return results


def lr_sensitivity(final_losses, initial_loss):
    """The paper's LR sensitivity: the mean over the swept learning rates
    of `min(loss, initial_loss) - min(losses)` (diverged runs count as
    `initial_loss`)."""
    capped = np.array(
        [initial_loss if not np.isfinite(loss) else min(loss, initial_loss)
         for loss in final_losses]
    )
    return float(np.mean(capped - capped.min()))


def plot_learning_rate_sweep(results, path, title=None):
    """Writes the final-loss-vs-learning-rate plot to `path` (PNG)."""
    pyplot = runner.pyplot("The learning-rate sweep's plot")

    figure, axes = pyplot.subplots(figsize=(5, 3.5))
    ceiling = results["initial_loss"]
    for index, (variant, losses) in enumerate(
            results["final_loss"].items()):
        sensitivity = results["lr_sensitivity"][variant]
        # As the paper: a run that ends above the loss at initialization
        # (or diverges) is drawn at that loss, so the scale stays readable.
        capped = [ceiling if not np.isfinite(loss) else min(loss, ceiling)
                  for loss in losses]
        axes.plot(results["learning_rates"], capped, marker="o",
                  color=f"C{index}",
                  label=f"{variant} (LR sensitivity {sensitivity:.3f})")
        failed = [(rate, ceiling) for rate, loss in
                  zip(results["learning_rates"], losses)
                  if not np.isfinite(loss) or loss >= ceiling]
        if failed:
            axes.scatter(*zip(*failed), marker="x", s=80, color=f"C{index}")
    axes.axhline(results["initial_loss"], color="gray", linestyle=":",
                 label="loss at initialization")
    axes.set_xscale("log")
    axes.set_xlabel("peak learning rate")
    axes.set_ylabel("final validation loss (nats/byte)")
    axes.set_title(title or "char_transformer: LR sensitivity")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path
