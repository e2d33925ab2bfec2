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

TrAct, SAM/SAF/MESA and qk-layernorm have their own scripts
(`tract_convergence`, `sharpness`, `lr_sensitivity`). Prints one Markdown
table:

    KERAS_BACKEND=jax python -m benchmarks.fidelity
"""

import argparse
import platform

import keras
import numpy as np

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


def _mean(rows, key):
    values = [row[key] for row in rows if row[key] is not None]
    return float(np.mean(values)) if values else None


def grokking(seeds, steps):
    rows = {}
    for preset in ("orthograd", "softmax_ce_adamw", "stablemax_no_wd"):
        rows[preset] = [_fit("grokking", preset, seed, steps)[0]
                        for seed in seeds]

    def steps_to(preset):
        reached = [r["steps_to_99_val_accuracy"] for r in rows[preset]]
        shown = [str(s) if s is not None else f">{steps}" for s in reached]
        return "/".join(shown)

    collapse = _mean(rows["stablemax_no_wd"], "final_softmax_collapse")
    return [
        ("Prieto et al. 2025", "⊥AdamW groks (a+b) mod 113 in 116 steps, "
         "AdamW + weight decay in 381",
         f"⊥AdamW {steps_to('orthograd')} steps",
         f"AdamW wd 1.5: {steps_to('softmax_ce_adamw')} steps"),
        ("Prieto et al. 2025", "StableMax without weight decay groks "
         "(~70k steps)",
         f"StableMax: {steps_to('stablemax_no_wd')} steps to 99% "
         f"(softmax collapse of its logits {collapse:.0%})",
         "see above"),
    ]


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
        results[preset] = (np.mean(accuracies), np.mean(growths))
    (adam_acc, adam_growth) = results["image_classifier_baseline"]
    (adamp_acc, adamp_growth) = results["image_classifier_mild"]
    return [("Heo et al. 2021", "AdamP curbs the norm growth of "
             "scale-invariant weights; accuracy equal or better",
             f"AdamP: kernel norm x{adamp_growth:.2f}, val acc "
             f"{adamp_acc:.3f}",
             f"Adam: kernel norm x{adam_growth:.2f}, val acc "
             f"{adam_acc:.3f}")]


def any_loss(seeds):
    rows = {preset: [_fit("imbalanced_binary", preset, seed, 200)[0]
                     for seed in seeds]
            for preset in ("any_loss_f1", "binary_cross_entropy")}
    f1 = {p: _mean(r, "final_val_f1") for p, r in rows.items()}
    balanced = {p: _mean(r, "final_val_balanced_accuracy")
                for p, r in rows.items()}
    return [("Han et al. 2024", "AnyLoss does best on imbalanced data",
             f"AnyLoss(F1): F1 {f1['any_loss_f1']:.3f}, balanced acc "
             f"{balanced['any_loss_f1']:.3f}",
             f"BCE: F1 {f1['binary_cross_entropy']:.3f}, balanced acc "
             f"{balanced['binary_cross_entropy']:.3f}")]


def contrastive(seeds, epochs):
    rows = {preset: [_fit("contrastive", preset, seed, epochs)[0]
                     for seed in seeds]
            for preset in ("supervised_contrastive", "from_scratch")}
    probe = {p: _mean(r, "final_val_probe_accuracy")
             for p, r in rows.items()}
    return [("Khosla et al. 2020", "SupCon + linear probe beats "
             "cross-entropy training",
             f"SupCon probe {probe['supervised_contrastive']:.3f}",
             f"cross-entropy probe {probe['from_scratch']:.3f}")]


EXPERIMENTS = ("grokking", "adamp", "any_loss", "contrastive")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="+", choices=EXPERIMENTS,
                        default=list(EXPERIMENTS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--grokking-steps", type=int, default=800)
    parser.add_argument("--image-epochs", type=int, default=10)
    parser.add_argument("--contrastive-epochs", type=int, default=30)
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds))
    print(f"backend {keras.config.backend()}, keras {keras.__version__}, "
          f"{platform.machine()}, seeds {seeds}")
    rows = []
    if "grokking" in args.only:
        rows += grokking(seeds, args.grokking_steps)
    if "adamp" in args.only:
        rows += adamp(seeds, args.image_epochs)
    if "any_loss" in args.only:
        rows += any_loss(list(range(max(args.seeds, 5))))
    if "contrastive" in args.only:
        rows += contrastive(seeds, args.contrastive_epochs)
    print("| paper | claim | kerastricks | baseline, same run |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return rows


if __name__ == "__main__":
    main()
