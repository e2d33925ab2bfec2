"""Techniques in the regimes where their papers see an effect, over seeds.

The comparisons of the demo's second part (`kerastricks.recipes.demo`),
with their per-seed scores, means and spreads written as a record:

- `label_noise`: plain SGD, SAM, SAF and MESA with 40% of the training
  labels flipped (generated textured shapes; clean test labels);
- `tract_intensity`: plain training and TrAct on the first layer, on the
  images and on a low-contrast, bright copy;
- `data_pruning`: half of a small training set kept at random, by EL2N
  (easy or hard) or by distance to k-means prototypes;
- `any_loss_imbalance`: binary cross-entropy and AnyLoss (F1) at 10% and 3%
  positives (`imbalanced_binary`).

    KERAS_BACKEND=jax python -m benchmarks.regimes --seeds 3
"""

import argparse

from benchmarks import _records
from kerastricks.recipes import demo


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=demo.REGIMES,
                        help="which comparisons (default: all)")
    for name, epochs in demo.REGIME_EPOCHS.items():
        parser.add_argument(f"--{name.replace('_', '-')}-epochs", type=int,
                            default=epochs)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("regimes", args, argv)
    epochs = {name: getattr(args, f"{name}_epochs")
              for name in demo.REGIMES}
    results = demo.regime_comparisons(args.only or demo.REGIMES,
                                      range(args.seeds), epochs)
    for comparison in results.values():
        print("\n" + comparison["title"])
        print(demo.seeds_table(comparison))
    _records.finish(record, results)


if __name__ == "__main__":
    main()
