"""µTransfer on the `char_transformer` recipe (Yang et al., 2022, "Tensor
Programs V", https://arxiv.org/abs/2203.03466, Figure 1): sweep the peak
learning rate at two widths under the standard parametrization and under
µP (base width = the smaller width), and check whether the learning rate
that is best at the small width is within one grid step of the best at the
large width. Prints the table and writes a JSON record:

    KERAS_BACKEND=jax python -m benchmarks.mu_transfer
"""

import argparse
import math

import keras
import numpy as np

from benchmarks import _records
from kerastricks.recipes.char_transformer.char_transformer import (
    CharTransformerRecipe,
)

PARAMETRIZATIONS = ("standard", "mup")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    # Half-decade steps: "one grid step" is a factor of about 3.
    parser.add_argument("--learning-rates", type=float, nargs="+",
                        default=[1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
    parser.add_argument("--widths", type=int, nargs=2, default=[64, 256])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-characters", type=int, default=30_000)
    parser.add_argument("--sequence-length", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--transformer-layers", type=int, default=2)
    parser.add_argument("--transformer-heads", type=int, default=4)
    parser.add_argument("--warmup-steps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    _records.add_arguments(parser)
    return parser


def _final_loss(args, parametrization, width, learning_rate, splits, steps):
    keras.utils.set_random_seed(args.seed)
    recipe = CharTransformerRecipe(
        sequence_length=args.sequence_length,
        max_characters=args.max_characters, decay_steps=steps,
        parametrization=parametrization,
        base_width=args.widths[0] if parametrization == "mup" else None,
    )
    recipe.set_hyperparameters(
        transformer_dim=width, transformer_layers=args.transformer_layers,
        transformer_heads=args.transformer_heads, qk_norm=False,
        logit_z_loss=False, warmup_steps=args.warmup_steps,
        learning_rate=float(learning_rate),
    )
    model = recipe.build(recipe.hyperparameters)
    x, y = splits["train"]
    history = recipe.fit(recipe.hyperparameters, model, x, y,
                         epochs=args.epochs, batch_size=args.batch_size,
                         validation_data=splits["validation"], verbose=0)
    final = history.history["val_cross_entropy"][-1]
    return float(final) if np.isfinite(final) else math.nan


def _best_index(losses):
    finite = [(loss, index) for index, loss in enumerate(losses)
              if math.isfinite(loss)]
    return min(finite)[1] if finite else None


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("mu_transfer", args, argv)
    small, large = args.widths
    print(f"backend {keras.config.backend()}, keras {keras.__version__}; "
          f"char_transformer widths {small} and {large}, "
          f"{args.transformer_layers} layers, {args.epochs} epoch(s) of "
          f"{args.max_characters} bytes")
    splits = CharTransformerRecipe(
        sequence_length=args.sequence_length,
        max_characters=args.max_characters).load_data(None, args.seed)
    steps = args.epochs * math.ceil(len(splits["train"][0]) / args.batch_size)
    rates = [float(rate) for rate in args.learning_rates]
    results = {"learning_rates": rates, "widths": [small, large],
               "steps": steps}
    for parametrization in PARAMETRIZATIONS:
        losses = {}
        for width in (small, large):
            losses[str(width)] = [
                _final_loss(args, parametrization, width, rate, splits, steps)
                for rate in rates]
            print(parametrization, width, " ".join(
                f"{loss:.3f}" for loss in losses[str(width)]), flush=True)
        best_small = _best_index(losses[str(small)])
        best_large = _best_index(losses[str(large)])
        apart = (None if best_small is None or best_large is None
                 else abs(best_small - best_large))
        results[parametrization] = {
            "final_loss": losses,
            "best_learning_rate": {
                str(small): None if best_small is None else rates[best_small],
                str(large): None if best_large is None else rates[best_large]},
            "grid_steps_apart": apart,
            "transfers": apart is not None and apart <= 1,
        }
        print(f"{parametrization}: best LR at {small} "
              f"{results[parametrization]['best_learning_rate'][str(small)]}"
              f", at {large} "
              f"{results[parametrization]['best_learning_rate'][str(large)]}"
              f", {apart} grid step(s) apart")
    _records.finish(record, results)
    return results


if __name__ == "__main__":
    main()
