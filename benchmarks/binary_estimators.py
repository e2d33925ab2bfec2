"""The `binary_net` recipe's estimators of the sign's gradient, over seeds.

ReSTE (Wu et al., 2023) claims to beat the clipped straight-through
estimator, and its schedule (the exponent o raised from 1 to 3 over
training) to beat a fixed exponent; BiPer (Vargas et al., 2024) claims to
beat earlier binarizations. The same binary network of the recipe is
trained with each preset, from the same seeds:

- `binary_net_ste`: the clipped STE, the baseline;
- `binary_net_reste`: ReSTE with its schedule, o from 1 to 3;
- `reste_fixed_o3`: ReSTE with o fixed at 3 (the schedule's end point);
- `binary_net_biper`: BiPer.

    KERAS_BACKEND=jax python -m benchmarks.binary_estimators --seeds 3
"""

import argparse

import keras

from benchmarks import _records
from kerastricks import recipes

VARIANTS = {
    "binary_net_ste": ("binary_net_ste", {}),
    "binary_net_reste": ("binary_net_reste", {}),
    "reste_fixed_o3": ("binary_net_reste",
                       {"reste_root_degree_start": 3.0,
                        "reste_root_degree_end": 3.0}),
    "binary_net_biper": ("binary_net_biper", {}),
}


def run(variant, seed, epochs):
    preset, overrides = VARIANTS[variant]
    recipe = recipes.create("binary_net", preset=preset, **overrides)
    data = recipe.load_data(seed=seed)
    keras.utils.set_random_seed(seed)
    model = recipe.build(recipe.hyperparameters)
    history = recipe.fit(recipe.hyperparameters, model, *data["train"],
                         validation_data=data["validation"], epochs=epochs,
                         verbose=0)
    return float(history.history["val_accuracy"][-1])


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=15)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("binary_estimators", args, argv)
    accuracy = {variant: [] for variant in VARIANTS}
    for seed in range(args.seeds):
        for variant in VARIANTS:
            accuracy[variant].append(run(variant, seed, args.epochs))
            print(f"seed {seed} {variant}: val acc "
                  f"{accuracy[variant][-1]:.3f}")
    _records.finish(record, {"final_val_accuracy": accuracy})
    return accuracy


if __name__ == "__main__":
    main()
