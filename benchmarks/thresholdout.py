"""The reusable-holdout experiment of Dwork et al. (2015), Figure 1.

Features and labels are independent: every row has `d` standard normal
features and a label of +-1 drawn uniformly, so no classifier beats 50%
on fresh data. The analyst draws a training, a holdout and a fresh set of
`n` rows each, and, for each k:

1. computes each feature's correlation with the label on the training set
   and asks for it on the holdout set;
2. keeps the features whose two correlations agree in sign and both exceed
   1/sqrt(n) in absolute value, and of those the k largest on training;
3. classifies by the sign of the sum of the kept features, each signed by
   its training correlation, and asks for its holdout accuracy.

Asked of the plain holdout set, both questions leak it, and the reported
holdout accuracy climbs with k. Asked through Thresholdout
(`kerastricks.utils.ReusableHoldout`, threshold 4/sqrt(n) and noise scale
1/sqrt(n): the paper's 0.04 and 0.01 at n = 10,000), the reported
accuracy stays near the fresh-data accuracy of 50%. The experiment is
NumPy only (the backend does not matter):

    KERAS_BACKEND=jax python -m benchmarks.thresholdout \\
        --png docs/images/thresholdout.png
"""

import argparse
import math

import numpy as np

from benchmarks import _records
from kerastricks.utils import ReusableHoldout

HOLDOUTS = ("plain", "thresholdout")
SPLITS = ("training", "holdout", "fresh")


def _sign_accuracy(x, y, weights):
    return float(np.mean(np.sign(x @ weights) == y))


def run_experiment(num_examples, num_features, selected_counts, seed,
                   threshold, noise_scale, budget):
    """Accuracies `{holdout: {split: [one per k]}}` of one run, plus the
    number of Thresholdout answers that spent budget."""
    rng = np.random.default_rng(seed)

    def draw():
        x = rng.standard_normal((num_examples, num_features))
        return x, rng.choice([-1.0, 1.0], size=num_examples)

    data = {split: draw() for split in SPLITS}
    correlations = {split: x.T @ y / num_examples
                    for split, (x, y) in data.items()}
    holdout = ReusableHoldout(budget=budget, threshold=threshold,
                              noise_scale=noise_scale, seed=seed)
    answered = np.array([
        holdout.query(train, held) for train, held in
        zip(correlations["training"], correlations["holdout"])])
    asked = {"plain": correlations["holdout"], "thresholdout": answered}
    training = correlations["training"]
    cutoff = 1.0 / math.sqrt(num_examples)
    accuracies = {name: {split: [] for split in SPLITS} for name in HOLDOUTS}
    for name in HOLDOUTS:
        seen = asked[name]
        kept = ((np.sign(training) == np.sign(seen))
                & (np.abs(training) > cutoff) & (np.abs(seen) > cutoff))
        order = np.argsort(-np.abs(training) * kept, kind="stable")
        for count in selected_counts:
            chosen = [i for i in order[:count] if kept[i]]
            weights = np.zeros(num_features)
            weights[chosen] = np.sign(training[chosen])
            if not chosen:  # no feature: the classifier guesses
                for split in SPLITS:
                    accuracies[name][split].append(0.5)
                continue
            values = {split: _sign_accuracy(*data[split], weights)
                      for split in SPLITS}
            if name == "thresholdout":
                values["holdout"] = holdout.query(values["training"],
                                                  values["holdout"])
            for split in SPLITS:
                accuracies[name][split].append(values[split])
    spent = holdout.budget - holdout.remaining_budget
    return accuracies, spent


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    counts = results["selected_counts"]
    figure, axes = pyplot.subplots(1, 2, figsize=(10, 4), sharey=True)
    titles = {"plain": "plain holdout", "thresholdout": "Thresholdout"}
    labels = {"training": "training", "holdout": "holdout (as reported)",
              "fresh": "fresh data"}
    for axis, name in zip(axes, HOLDOUTS):
        for split in SPLITS:
            runs = np.array(results["accuracy"][name][split])
            mean, spread = runs.mean(axis=0), runs.std(axis=0)
            axis.plot(counts, mean, marker="o", markersize=3,
                      label=labels[split])
            axis.fill_between(counts, mean - spread, mean + spread,
                              alpha=0.2)
        axis.axhline(0.5, color="gray", linewidth=0.8, linestyle=":")
        axis.set_title(titles[name])
        axis.set_xlabel("number of selected features k")
    axes[0].set_ylabel("accuracy (random labels: truly 0.5)")
    axes[0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=10_000,
                        help="rows per set, n (default: the paper's 10,000)")
    parser.add_argument("--features", type=int, default=10_000,
                        help="features, d (default: the paper's 10,000)")
    parser.add_argument("--selected", type=int, nargs="+",
                        default=list(range(0, 501, 50)),
                        help="values of k (default 0, 50, ..., 500)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=None,
                        help="Thresholdout budget (default: one per query)")
    parser.add_argument("--png", help="where to write the plot")
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("thresholdout", args, argv)
    scale = 1.0 / math.sqrt(args.examples)
    threshold, noise_scale = 4.0 * scale, scale
    budget = args.budget or args.features + len(args.selected)
    accuracy = {name: {split: [] for split in SPLITS} for name in HOLDOUTS}
    spent = []
    for seed in range(args.seeds):
        run, run_spent = run_experiment(
            args.examples, args.features, args.selected, seed, threshold,
            noise_scale, budget)
        for name in HOLDOUTS:
            for split in SPLITS:
                accuracy[name][split].append(run[name][split])
        spent.append(run_spent)
        print(f"seed {seed}: plain holdout at k={args.selected[-1]} "
              f"{run['plain']['holdout'][-1]:.3f}, Thresholdout "
              f"{run['thresholdout']['holdout'][-1]:.3f}, fresh "
              f"{run['thresholdout']['fresh'][-1]:.3f}; budget spent "
              f"{run_spent}")
    results = {"selected_counts": args.selected, "threshold": threshold,
               "noise_scale": noise_scale, "budget": budget,
               "budget_spent": spent, "accuracy": accuracy}
    if args.png:
        plot(results, args.png)
        print(f"plot: {args.png}")
    _records.finish(record, results)


if __name__ == "__main__":
    main()
