"""The offline demo behind `make demo` (and `kerastricks demo`).

1. `grokking`: modular addition (a + b) mod 113, the testbed of Prieto et
   al., 2025, "Grokking at the Edge of Numerical Stability"
   (https://arxiv.org/abs/2501.04697), trained full batch without weight
   decay: ⊥AdamW (OrthoGrad), which groks within the budget, next to plain
   softmax cross-entropy, which fits the training set and never
   generalizes (softmax collapse). Where the backend computes in float64
   (torch, TensorFlow, or JAX with `JAX_ENABLE_X64=1`) the paper's ⊥SGD +
   StableMax float64 run joins them. Reports the steps to 99% validation
   accuracy and the Softmax Collapse of each.
2. `image_classifier`: a small ResNet on scikit-learn's bundled digits, the
   plain baseline against its presets with kerastricks techniques.

Every run is a resumable run folder under `--out` (config, metrics CSV,
checkpoints, learning curves); the demo adds side-by-side tables
(`summary.md`) and comparison plots (`*_comparison.png`).
"""

import argparse
import pathlib
import time

import keras

import kerastricks
from kerastricks import recipes
from kerastricks.recipes import runner
from kerastricks.recipes.grokking.grokking import float64_available

GROKKING_PRESETS = ("orthograd", "softmax_ce_no_wd")
GROKKING_FLOAT64_PRESET = "orthograd_sgd_stablemax_float64"
IMAGE_PRESETS = ("image_classifier_baseline", "image_classifier_mild",
                 "image_classifier_medium", "image_classifier_spicy")


def grokking_presets():
    """The demo's grokking runs: the float64 one only where the backend
    computes in float64."""
    if float64_available():
        return GROKKING_PRESETS + (GROKKING_FLOAT64_PRESET,)
    return GROKKING_PRESETS


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


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="kerastricks demo",
        description="Offline comparison of kerastricks techniques.")
    parser.add_argument("--grokking-steps", type=int, default=300,
                        help="full-batch steps per grokking run")
    parser.add_argument("--grokking-eval-every", type=int, default=10,
                        help="full-batch steps between two evaluations")
    parser.add_argument("--image-epochs", type=int, default=10)
    parser.add_argument("--out", default="demo_output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("grokking", "image_classifier"))
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
        grokking = run_presets("grokking", grokking_presets(), out, epochs,
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
        float64_note = (
            "" if GROKKING_FLOAT64_PRESET in grokking else
            f" The paper's ⊥SGD + StableMax float64 run "
            f"({GROKKING_FLOAT64_PRESET}) needs float64, which this "
            "backend does not compute here: run the demo with "
            "JAX_ENABLE_X64=1, or KERAS_BACKEND=torch, to add it.")
        report += [
            f"## grokking: modular addition, {steps} full-batch steps, "
            "no weight decay", "", table, "",
            f"Validation every {eval_every} steps (the resolution of 'steps "
            "to 99%'). Paper (authors' code, H100): ⊥AdamW 116 steps, "
            "⊥SGD + StableMax float64 416 steps; softmax cross-entropy "
            "without weight decay never (2% test accuracy after 52k "
            "steps); StableMax without weight decay groks slowly (98.4% "
            "after ~70k steps: `python -m benchmarks.grokking_long` runs "
            "it)." + float64_note,
            "", "Softmax collapse: share of 512 training examples whose "
            "float32 softmax rounds the correct class to exactly 1. Under "
            "StableMax it is only a diagnostic of the logits' size: its "
            "loss does not saturate there, which is the point of it.",
            "", f"Plot: {plot}", "", f"![grokking]({plot.name})", ""]
    if args.only in (None, "image_classifier"):
        images = run_presets("image_classifier", IMAGE_PRESETS, out,
                             args.image_epochs, args.seed, verbose)
        table = markdown_table(images, [
            ("final_val_accuracy", "val acc", "{:.3f}"),
            ("best_val_accuracy", "best val acc", "{:.3f}"),
            ("final_loss", "train loss", "{:.4f}"),
            ("seconds", "seconds", "{:.0f}"),
        ])
        plot = plot_comparison(
            images, "accuracy", out / "image_classifier_comparison.png",
            f"digits (8x8), {args.image_epochs} epochs")
        report += [f"## image_classifier: digits, {args.image_epochs} "
                   "epochs", "", table, "", f"Plot: {plot}", "",
                   f"![image_classifier]({plot.name})", ""]
    summary = out / "summary.md"
    summary.write_text("\n".join(report))
    print("\n" + "\n".join(report))
    print(f"\nTables: {summary}; plots and run folders in {out}/")
    return report


if __name__ == "__main__":
    main()
