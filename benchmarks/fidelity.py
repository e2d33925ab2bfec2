"""The fidelity table: each paper's claim, checked on the recipes side by
side with its baseline, in one run (offline data, CPU-sized budgets).

- grokking (Prieto et al., 2025): ⊥AdamW groks modular addition faster
  than AdamW with weight decay; StableMax without weight decay avoids
  Softmax Collapse.
- AdamP (Heo et al., 2021): AdamP slows the norm growth of scale-invariant
  (BatchNorm-followed) kernels that Adam causes, at equal accuracy or
  better.
- AnyLoss (Han et al., 2024): on imbalanced data, AnyLoss(F1) beats binary
  cross-entropy on F1.
- SupCon (Khosla et al., 2020): contrastive pre-training plus a linear
  probe matches or beats the same encoder trained with cross-entropy.

TrAct, SAM/SAF/MESA, qk-layernorm, Fisher merging, SAM's variants, the
invariance wrappers, the optimizers, the schedules and the binary
estimators have their own scripts (`tract_convergence`, `sharpness`,
`training_step`, `lr_sensitivity`, `fisher_merge`, `sam_variants`,
`invariance`, `optimizer_claims`, `training_claims`,
`binary_estimators`). Prints
the raw numbers and writes them to the record from which
`python -m benchmarks._render_docs` builds the fidelity table of
docs/benchmarks.md (one row per method card):

    KERAS_BACKEND=jax python -m benchmarks.fidelity
"""

import argparse
import json

import keras
import numpy as np

from benchmarks import _records
from kerastricks import recipes


def _fit(name, preset, seed, epochs, **overrides):
    recipe = recipes.create(name, preset=preset, **overrides)
    data = recipe.load_data(seed=seed)
    keras.utils.set_random_seed(seed)
    model = recipe.build(recipe.hyperparameters)
    history = recipe.fit(recipe.hyperparameters, model, *data["train"],
                         validation_data=data["validation"], epochs=epochs,
                         verbose=0)
    return recipe.summarize(history), model


def grokking(seeds, steps):
    """Steps to 99% validation accuracy (None: not within `steps`) and the
    final Softmax Collapse fraction, per preset and seed."""
    rows = {}
    for preset in ("orthograd", "softmax_ce_adamw", "stablemax_no_wd"):
        summaries = [_fit("grokking", preset, seed, steps)[0]
                     for seed in seeds]
        rows[preset] = {
            "steps_to_99_val_accuracy": [
                s["steps_to_99_val_accuracy"] for s in summaries],
            "final_softmax_collapse": [
                s["final_softmax_collapse"] for s in summaries],
            "final_val_accuracy": [
                s["final_val_accuracy"] for s in summaries],
            "final_train_accuracy": [
                s["final_train_accuracy"] for s in summaries],
        }
    return rows


def _kernel_norm_growth(model, initial):
    growth = []
    for variable, start in zip(model.trainable_variables, initial):
        if len(variable.shape) == 4:  # BatchNorm-followed conv kernels
            growth.append(np.linalg.norm(keras.ops.convert_to_numpy(
                variable)) / np.linalg.norm(start))
    return float(np.mean(growth))


def adamp(seeds, epochs):
    results = {}
    for preset in ("image_classifier_baseline", "image_classifier_mild"):
        accuracies, growths = [], []
        for seed in seeds:
            recipe = recipes.create("image_classifier", preset=preset)
            data = recipe.load_data(seed=seed)
            keras.utils.set_random_seed(seed)
            model = recipe.build(recipe.hyperparameters)
            initial = [keras.ops.convert_to_numpy(v)
                       for v in model.trainable_variables]
            history = recipe.fit(recipe.hyperparameters, model,
                                 *data["train"],
                                 validation_data=data["validation"],
                                 epochs=epochs, verbose=0)
            accuracies.append(history.history["val_accuracy"][-1])
            growths.append(_kernel_norm_growth(model, initial))
        results[preset] = {"final_val_accuracy": accuracies,
                           "kernel_norm_growth": growths}
    return results


# Full-batch epochs: the recipe trains on the whole split at once.
ANY_LOSS_EPOCHS = 200


def any_loss(seeds):
    results = {}
    for preset in ("any_loss_f1", "binary_cross_entropy"):
        summaries = [_fit("imbalanced_binary", preset, seed,
                          ANY_LOSS_EPOCHS)[0]
                     for seed in seeds]
        results[preset] = {
            key: [summary[key] for summary in summaries]
            for key in ("final_val_f1", "final_val_balanced_accuracy")}
    return results


def contrastive(seeds, epochs):
    return {preset: {"final_val_probe_accuracy": [
        _fit("contrastive", preset, seed, epochs)[0][
            "final_val_probe_accuracy"] for seed in seeds]}
        for preset in ("supervised_contrastive", "from_scratch")}


EXPERIMENTS = ("grokking", "adamp", "any_loss", "contrastive")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="+", choices=EXPERIMENTS,
                        default=list(EXPERIMENTS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--any-loss-seeds", type=int, default=5,
                        help="AnyLoss runs are cheap and noisy: more seeds")
    parser.add_argument("--grokking-steps", type=int, default=800)
    parser.add_argument("--image-epochs", type=int, default=10)
    parser.add_argument("--contrastive-epochs", type=int, default=30)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("fidelity", args, argv)
    seeds = list(range(args.seeds))
    print(f"backend {keras.config.backend()}, keras {keras.__version__}, "
          f"seeds {seeds}")
    results = {}
    if "grokking" in args.only:
        results["grokking"] = grokking(seeds, args.grokking_steps)
    if "adamp" in args.only:
        results["adamp"] = adamp(seeds, args.image_epochs)
    if "any_loss" in args.only:
        results["any_loss"] = any_loss(list(range(args.any_loss_seeds)))
    if "contrastive" in args.only:
        results["contrastive"] = contrastive(seeds, args.contrastive_epochs)
    print(json.dumps(results, indent=1, default=str))
    _records.finish(record, results)
    return results


if __name__ == "__main__":
    main()
