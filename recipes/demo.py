"""The offline demo behind `make demo` (and `kerastricks demo`).

1. `grokking`: modular addition (a + b) mod 113, the testbed of Prieto et
   al., 2025, "Grokking at the Edge of Numerical Stability"
   (https://arxiv.org/abs/2501.04697), trained full batch without weight
   decay: ⊥AdamW (OrthoGrad), which groks within the budget, next to plain
   softmax cross-entropy, which fits the training set and never
   generalizes (softmax collapse). Reports the steps to 99% validation
   accuracy and the Softmax Collapse of each. (The paper's slower
   no-decay runs, StableMax and ⊥SGD + StableMax in float64, are measured
   by `benchmarks/grokking_long.py` and `benchmarks/grokking_sgd_float64.py`.)
2. Regimes where techniques differ, each over several seeds (mean, spread
   and every seed's score): SAM/SAF/MESA under label noise and TrAct under
   shifted contrast and brightness on generated textured shapes
   (`recipes.datasets.textured_shapes`), data pruning (EL2N, prototypes,
   random) at half of a small training set, and AnyLoss against
   cross-entropy at two class imbalances (`imbalanced_binary`).

Every run is a resumable run folder under `--out` (config, metrics CSV,
checkpoints, learning curves) and the regimes train in memory; the demo
writes side-by-side tables (`summary.md`) and comparison plots
(`*_comparison.png`).
"""

import argparse
import functools
import pathlib
import time

import keras
import numpy as np

import kerastricks
from kerastricks import recipes
from kerastricks.recipes import datasets
from kerastricks.recipes import runner

GROKKING_PRESETS = ("orthograd", "softmax_ce_no_wd")
# Epochs of each regime comparison in the demo.
REGIME_EPOCHS = {"label_noise": 20, "tract_intensity": 5,
                 "data_pruning": 15, "any_loss_imbalance": 200}
REGIME_TEXT = {
    "label_noise": (
        "SAM, SAF and MESA against plain SGD when 40% of the training "
        "labels are wrong: flat minima memorize the noise less (the SAM "
        "and MESA papers report their largest gains there). Test labels "
        "are clean."),
    "tract_intensity": (
        "TrAct on the first layer against plain training, on the images "
        "and on a dim, low-contrast copy: plain first-layer gradients "
        "scale with the pixel values, TrAct's update does not."),
    "data_pruning": (
        "Half of a small training set kept at random, by EL2N score "
        "(easy or hard examples) or by distance to k-means prototypes: "
        "on small data the data-pruning paper keeps the easy examples."),
    "any_loss_imbalance": (
        "AnyLoss (F1) against binary cross-entropy as the positive class "
        "gets rarer: the metric's own loss should hold F1 up."),
}


def run_presets(recipe_name, presets, out, epochs, seed, verbose,
                **recipe_kwargs):
    """Trains each preset into `out/<recipe>-<preset>`; returns
    `{preset: (summary, history)}`. `recipe_kwargs` go to the recipe's
    constructor."""
    results = {}
    for preset in presets:
        directory = pathlib.Path(out) / f"{recipe_name}-{preset}"
        print(f"\n==> {recipe_name} --preset {preset} ({epochs} epochs) "
              f"-> {directory}")
        recipe = recipes.create(recipe_name, preset=preset, **recipe_kwargs)
        started = time.perf_counter()
        summary = runner.train(recipe, directory, epochs=epochs, seed=seed,
                               overwrite=True, verbose=verbose)
        summary["seconds"] = round(time.perf_counter() - started, 1)
        history = runner.read_history(directory / runner.METRICS_FILE)
        results[preset] = (summary, history)
    return results


def markdown_table(results, columns):
    """`columns` is a list of (summary key, header, format)."""
    lines = ["| preset | " + " | ".join(h for _, h, _ in columns) + " |",
             "| --- |" + " --- |" * len(columns)]
    for preset, (summary, _) in results.items():
        cells = []
        for key, _, fmt in columns:
            value = summary.get(key)
            cells.append("not reached" if value is None else fmt.format(value))
        lines.append(f"| {preset} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_comparison(results, metric, path, title, log_x=False,
                    steps_per_epoch=None):
    """Validation (solid) and training (dashed) `metric` of every preset,
    against epochs, or against steps if `steps_per_epoch` is given."""
    pyplot = runner.pyplot("The demo's plots")

    figure, axis = pyplot.subplots(figsize=(7, 4.2))
    for index, (preset, (_, history)) in enumerate(results.items()):
        epochs = [(e + 1) * (steps_per_epoch or 1) for e in history.epoch]
        color = f"C{index}"
        if "val_" + metric in history.history:
            axis.plot(epochs, history.history["val_" + metric], color=color,
                      label=f"{preset} (validation)")
        if metric in history.history:
            axis.plot(epochs, history.history[metric], color=color,
                      linestyle="--", alpha=0.6, label=f"{preset} (train)")
    if log_x:
        axis.set_xscale("log")
    axis.set_xlabel("epoch" if steps_per_epoch is None else "step")
    axis.set_ylabel(metric)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path


# -- regimes where the techniques' effects show ------------------------------
#
# Each comparison trains the same small network under each variant for
# several seeds (a new draw of the generated data, of the label noise and
# of the initialization per seed) and reports one score per seed, so a
# reader can tell a difference from seed noise.

REGIMES = ("label_noise", "tract_intensity", "data_pruning",
           "any_loss_imbalance")


def _shapes_mlp(seed, num_classes, tract=False, image_size=16):
    initializer = keras.initializers.GlorotUniform
    first = keras.layers.Dense(128, activation="relu",
                               kernel_initializer=initializer(seed=seed))
    if tract:
        first = kerastricks.layers.TrAct(first)
    return keras.Sequential([
        keras.Input((image_size, image_size, 1)),
        keras.layers.Flatten(),
        first,
        keras.layers.Dense(128, activation="relu",
                           kernel_initializer=initializer(seed=seed + 1)),
        keras.layers.Dense(num_classes,
                           kernel_initializer=initializer(seed=seed + 2)),
    ])


def _fit_and_score(trained, model, x, y, x_test, y_test, epochs, batch_size,
                   learning_rate=0.05, callbacks=()):
    """Trains `trained` (the model or a wrapper of it) with SGD and
    momentum; returns `model`'s accuracy on the test set."""
    trained.compile(
        optimizer=keras.optimizers.SGD(learning_rate, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    trained.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0,
                callbacks=list(callbacks))
    predictions = np.argmax(model.predict(x_test, verbose=0), axis=-1)
    return float(np.mean(predictions == y_test))


@functools.lru_cache(maxsize=4)
def _shapes_split(seed, train_size, test_size=1000):
    # Cached: three comparisons draw the same seeds' data.
    x, y = datasets.textured_shapes(train_size + test_size, seed=seed)
    return x[:train_size], y[:train_size], x[train_size:], y[train_size:]


def label_noise_comparison(seeds, epochs, train_size=1500, noise=0.4,
                           batch_size=64):
    """Plain SGD, SAM, SAF and MESA with `noise` of the training labels
    flipped at random; scored on clean test labels. SAM's and MESA's
    papers report their largest gains under label noise."""
    scores = {name: [] for name in ("plain", "SAM", "SAF", "MESA")}
    start_epoch = max(1, epochs // 4)
    for seed in seeds:
        x, y, x_test, y_test = _shapes_split(seed, train_size)
        y_noisy, _ = datasets.noisy_labels(
            y, noise, len(datasets.TEXTURED_SHAPES), seed=seed)
        steps_per_epoch = -(-train_size // batch_size)
        for name in scores:
            keras.utils.set_random_seed(seed)
            model = _shapes_mlp(seed, len(datasets.TEXTURED_SHAPES))
            trained = {
                "plain": lambda m: m,
                "SAM": lambda m: kerastricks.models.SAM(m, rho=0.1),
                "SAF": lambda m: kerastricks.models.SAF(
                    m, start_epoch=start_epoch),
                # The authors' 0.9998 averages over ~5,000 steps, one
                # ImageNet epoch; here an epoch is `steps_per_epoch` steps.
                "MESA": lambda m: kerastricks.models.MESA(
                    m, start_epoch=start_epoch,
                    ema_momentum=1.0 - 1.0 / steps_per_epoch),
            }[name](model)
            scores[name].append(_fit_and_score(
                trained, model, x, y_noisy, x_test, y_test, epochs,
                batch_size))
    return {
        "title": f"Textured shapes, {noise:.0%} of {train_size} training "
                 f"labels flipped, {epochs} epochs",
        "metric": "clean test accuracy", "scores": scores,
        "settings": {"noise": noise, "train_size": train_size,
                     "epochs": epochs, "sam_rho": 0.1,
                     "saf_mesa_start_epoch": start_epoch},
    }


def tract_comparison(seeds, epochs, train_size=1500, contrast=0.25,
                     brightness=0.6, batch_size=64):
    """Plain training and TrAct on the first layer, on the images as
    generated and on a low-contrast, bright copy (`contrast * x +
    brightness`). First-layer gradients scale with the pixel values;
    TrAct's update does not, so it should lose less to the shift."""
    scores = {name: [] for name in ("plain", "TrAct", "plain, shifted",
                                    "TrAct, shifted")}
    for seed in seeds:
        x, y, x_test, y_test = _shapes_split(seed, train_size)
        shifted = (datasets.shift_intensity(x, contrast, brightness),
                   datasets.shift_intensity(x_test, contrast, brightness))
        for name in scores:
            keras.utils.set_random_seed(seed)
            model = _shapes_mlp(seed, len(datasets.TEXTURED_SHAPES),
                                tract=name.startswith("TrAct"))
            inputs = shifted if name.endswith("shifted") else (x, x_test)
            scores[name].append(_fit_and_score(
                model, model, inputs[0], y, inputs[1], y_test, epochs,
                batch_size, learning_rate=0.01))
    return {
        "title": f"Textured shapes, {epochs} epochs; shifted: "
                 f"{contrast} * x + {brightness}",
        "metric": "test accuracy", "scores": scores,
        "settings": {"train_size": train_size, "epochs": epochs,
                     "contrast": contrast, "brightness": brightness,
                     "learning_rate": 0.01},
    }


def data_pruning_comparison(seeds, epochs, train_size=1500,
                            keep_fraction=0.5, score_epochs=3,
                            batch_size=64):
    """Training on `keep_fraction` of the data, chosen at random, by EL2N
    (easy or hard examples, scored after `score_epochs` epochs) or by
    distance to k-means prototypes of the scoring network's features. On
    small data the paper keeps the easy examples."""
    names = ("random", "EL2N easy", "EL2N hard", "prototypes easy")
    scores = {name: [] for name in names}
    classes = len(datasets.TEXTURED_SHAPES)
    for seed in seeds:
        x, y, x_test, y_test = _shapes_split(seed, train_size)
        keras.utils.set_random_seed(seed)
        scorer_model = _shapes_mlp(seed + 100, classes)
        scorer = kerastricks.callbacks.DataPruningScores(
            (x, y), score_epochs=(score_epochs,))
        _fit_and_score(scorer_model, scorer_model, x, y, x_test, y_test,
                       score_epochs, batch_size, callbacks=[scorer])
        features = keras.Sequential(scorer_model.layers[:-1]).predict(
            x, verbose=0)
        prototype = kerastricks.utils.prototype_scores(
            features, num_clusters=classes, seed=seed)
        kept = {
            "random": np.random.default_rng(seed).permutation(train_size)[
                :int(round(keep_fraction * train_size))],
            "EL2N easy": kerastricks.utils.select_kept_indices(
                scorer.scores, keep_fraction, keep="easy"),
            "EL2N hard": kerastricks.utils.select_kept_indices(
                scorer.scores, keep_fraction, keep="hard"),
            "prototypes easy": kerastricks.utils.select_kept_indices(
                prototype, keep_fraction, keep="easy"),
        }
        for name in names:
            keras.utils.set_random_seed(seed)
            model = _shapes_mlp(seed, classes)
            rows = np.asarray(kept[name])
            scores[name].append(_fit_and_score(
                model, model, x[rows], y[rows], x_test, y_test, epochs,
                batch_size))
    return {
        "title": f"Textured shapes, {train_size} training images, "
                 f"{keep_fraction:.0%} kept, {epochs} epochs",
        "metric": "test accuracy", "scores": scores,
        "settings": {"train_size": train_size,
                     "keep_fraction": keep_fraction,
                     "score_epochs": score_epochs, "epochs": epochs},
    }


def any_loss_comparison(seeds, epochs, positive_fractions=(0.1, 0.03)):
    """Binary cross-entropy against AnyLoss (F1) in the `imbalanced_binary`
    recipe (breast cancer data, positives subsampled to each fraction);
    scored by validation F1 at a 0.5 threshold."""
    scores = {}
    for fraction in positive_fractions:
        for preset in ("binary_cross_entropy", "any_loss_f1"):
            name = (f"{'BCE' if preset.startswith('binary') else 'AnyLoss F1'}"
                    f", {fraction:.0%} positive")
            scores[name] = []
            for seed in seeds:
                recipe = recipes.create("imbalanced_binary", preset=preset,
                                        positive_fraction=fraction)
                data = recipe.load_data(seed=seed)
                keras.utils.set_random_seed(seed)
                model = recipe.build(recipe.hyperparameters)
                # Evaluated once, at the end: a validation pass every
                # full-batch epoch would cost more than the training.
                recipe.fit(recipe.hyperparameters, model, *data["train"],
                           epochs=epochs, verbose=0)
                scores[name].append(model.evaluate(
                    *data["validation"], verbose=0, return_dict=True)["f1"])
    return {
        "title": f"imbalanced_binary, {epochs} full-batch epochs",
        "metric": "validation F1", "scores": scores,
        "settings": {"positive_fractions": list(positive_fractions),
                     "epochs": epochs},
    }


def regime_comparisons(names, seeds, epochs):
    """Runs the comparisons `names` (of `REGIMES`); `epochs` maps a name to
    its training budget. Returns `{name: comparison}`, each with its
    per-seed `scores` and their `mean` and `std`."""
    functions = {"label_noise": label_noise_comparison,
                 "tract_intensity": tract_comparison,
                 "data_pruning": data_pruning_comparison,
                 "any_loss_imbalance": any_loss_comparison}
    results = {}
    for name in names:
        started = time.perf_counter()
        print(f"\n==> {name}: {len(seeds)} seeds, {epochs[name]} epochs")
        comparison = functions[name](list(seeds), epochs[name])
        comparison["seeds"] = list(seeds)
        comparison["mean"] = {k: float(np.mean(v))
                              for k, v in comparison["scores"].items()}
        comparison["std"] = {k: float(np.std(v))
                             for k, v in comparison["scores"].items()}
        comparison["seconds"] = round(time.perf_counter() - started, 1)
        results[name] = comparison
    return results


def seeds_table(comparison):
    """Markdown: variant, mean, spread (standard deviation over seeds) and
    each seed's score."""
    seeds = comparison["seeds"]
    lines = [f"| variant | {comparison['metric']} (mean) | spread (std) | "
             + " | ".join(f"seed {s}" for s in seeds) + " |",
             "| --- | --- | --- |" + " --- |" * len(seeds)]
    for name, values in comparison["scores"].items():
        lines.append(
            f"| {name} | {comparison['mean'][name]:.3f} | "
            f"{comparison['std'][name]:.3f} | "
            + " | ".join(f"{v:.3f}" for v in values) + " |")
    return "\n".join(lines)


def plot_seeds(comparison, path):
    """One column a variant: each seed's score (dots) and the mean with
    one standard deviation (bar)."""
    pyplot = runner.pyplot("The demo's plots")
    names = list(comparison["scores"])
    figure, axis = pyplot.subplots(figsize=(1.6 * len(names) + 2, 3.8))
    for position, name in enumerate(names):
        values = comparison["scores"][name]
        axis.scatter([position] * len(values), values, color=f"C{position}",
                     alpha=0.6, s=18)
        axis.errorbar(position + 0.15, comparison["mean"][name],
                      yerr=comparison["std"][name], fmt="o",
                      color=f"C{position}", capsize=4)
    axis.set_xticks(range(len(names)))
    axis.set_xticklabels(names, fontsize=8)
    axis.set_ylabel(comparison["metric"])
    axis.set_title(comparison["title"], fontsize=9)
    axis.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="kerastricks demo",
        description="Offline comparison of kerastricks techniques.")
    parser.add_argument("--grokking-steps", type=int, default=200,
                        help="full-batch steps per grokking run")
    parser.add_argument("--grokking-eval-every", type=int, default=10,
                        help="full-batch steps between two evaluations")
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds per variant of each regime comparison")
    parser.add_argument("--regime-epochs", type=int, default=None,
                        help="one training budget for every regime "
                        "comparison (default: each its own)")
    parser.add_argument("--regimes", nargs="+", choices=REGIMES,
                        help="which regime comparisons (default: all)")
    parser.add_argument("--out", default="demo_output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("grokking", "regimes"))
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars")
    args = parser.parse_args(argv)
    verbose = 0 if args.quiet else "auto"
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"Keras {keras.__version__}, backend {keras.config.backend()}, "
          f"kerastricks {kerastricks.__version__}; writing to {out}/")

    report = ["# kerastricks demo", ""]
    if args.only in (None, "grokking"):
        eval_every = runner.check_positive_count(
            "--grokking-eval-every", args.grokking_eval_every)
        epochs = runner.check_positive_count(
            "--grokking-steps", args.grokking_steps) // eval_every
        if epochs < 1:
            raise ValueError(
                "--grokking-steps must be at least --grokking-eval-every. "
                f"Received: --grokking-steps {args.grokking_steps}, "
                f"--grokking-eval-every {eval_every}")
        steps = epochs * eval_every
        grokking = run_presets("grokking", GROKKING_PRESETS, out, epochs,
                               args.seed, verbose, steps_per_epoch=eval_every)
        table = markdown_table(grokking, [
            ("steps_to_99_val_accuracy", "steps to 99% val acc", "{}"),
            ("final_train_accuracy", "train acc", "{:.3f}"),
            ("final_val_accuracy", "val acc", "{:.3f}"),
            ("final_softmax_collapse", "softmax collapse", "{:.0%}"),
            ("seconds", "seconds", "{:.0f}"),
        ])
        plot = plot_comparison(
            grokking, "accuracy", out / "grokking_comparison.png",
            f"(a + b) mod 113, full batch, no weight decay, {steps} steps",
            log_x=True, steps_per_epoch=eval_every)
        report += [
            f"## grokking: modular addition, {steps} full-batch steps, "
            "no weight decay", "", table, "",
            f"Validation every {eval_every} steps (the resolution of 'steps "
            "to 99%'). Paper (authors' code, H100): ⊥AdamW 116 steps, "
            "⊥SGD + StableMax float64 416 steps; softmax cross-entropy "
            "without weight decay never (2% test accuracy after 52k "
            "steps); StableMax without weight decay groks slowly (98.4% "
            "after ~70k steps). From a checkout, `python -m "
            "benchmarks.grokking_long` and `python -m "
            "benchmarks.grokking_sgd_float64` run those two.",
            "", "Softmax collapse: share of 512 training examples whose "
            "float32 softmax rounds the correct class to exactly 1. Under "
            "StableMax it is only a diagnostic of the logits' size: its "
            "loss does not saturate there, which is the point of it.",
            "", f"Plot: {plot}", "", f"![grokking]({plot.name})", ""]
    if args.only in (None, "regimes"):
        epochs = dict(REGIME_EPOCHS)
        if args.regime_epochs is not None:
            epochs = dict.fromkeys(REGIMES, runner.check_positive_count(
                "--regime-epochs", args.regime_epochs))
        seeds = range(runner.check_positive_count("--seeds", args.seeds))
        comparisons = regime_comparisons(args.regimes or REGIMES, seeds,
                                         epochs)
        for name, comparison in comparisons.items():
            plot = plot_seeds(comparison, out / f"{name}_comparison.png")
            report += [f"## {name}: {comparison['title']}", "",
                       REGIME_TEXT[name], "", seeds_table(comparison), "",
                       f"{len(comparison['seeds'])} seeds, "
                       f"{comparison['seconds']:.0f} s. Plot: {plot}", "",
                       f"![{name}]({plot.name})", ""]
    summary = out / "summary.md"
    summary.write_text("\n".join(report))
    print("\n" + "\n".join(report))
    print(f"\nTables: {summary}; plots and run folders in {out}/")
    return report


if __name__ == "__main__":
    main()
