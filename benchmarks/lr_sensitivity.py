"""The "LR sensitivity" experiment of Wortsman et al., 2023, "Small-scale
proxies for large-scale Transformer training instabilities"
(https://arxiv.org/abs/2309.14322), Figure 1, on the `char_transformer`
recipe: final validation loss against the peak learning rate for the plain
transformer and for qk-layernorm + z-loss, trained in the same run by
`kerastricks.utils.lr_sensitivity_sweep` (plotted by `plot_lr_sensitivity`).
Prints the table and the paper's LR-sensitivity number of each, and writes
the plot:

    KERAS_BACKEND=jax python -m benchmarks.lr_sensitivity --png sweep.png
"""

import argparse

import keras

from benchmarks import _records
from kerastricks.recipes.char_transformer import learning_rate_sweep
from kerastricks.recipes.char_transformer import plot_learning_rate_sweep


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learning-rates", type=float, nargs="+",
                        default=[1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-characters", type=int, default=100_000)
    parser.add_argument("--transformer-dim", type=int, default=64)
    parser.add_argument("--transformer-layers", type=int, default=2)
    parser.add_argument("--png", help="where to write the plot")
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("lr_sensitivity", args, argv)
    print(f"backend {keras.config.backend()}, keras {keras.__version__}; "
          f"char_transformer dim "
          f"{args.transformer_dim}, {args.transformer_layers} layers, "
          f"{args.epochs} epochs of {args.max_characters} bytes")
    results = learning_rate_sweep(
        learning_rates=args.learning_rates, epochs=args.epochs,
        recipe_kwargs={"max_characters": args.max_characters},
        hyperparameters={"transformer_dim": args.transformer_dim,
                         "transformer_layers": args.transformer_layers},
    )
    variants = list(results["final_loss"])
    print(f"{'peak LR':>9}" + "".join(f"{v:>20}" for v in variants))
    for index, rate in enumerate(results["learning_rates"]):
        print(f"{rate:>9.0e}" + "".join(
            f"{results['final_loss'][v][index]:>20.4f}" for v in variants))
    print(f"{'LR sens.':>9}" + "".join(
        f"{results['lr_sensitivity'][v]:>20.4f}" for v in variants))
    _records.finish(record, results)
    if args.png:
        plot_learning_rate_sweep(results, args.png)
        print(f"plot: {args.png}")
    return results


if __name__ == "__main__":
    main()
