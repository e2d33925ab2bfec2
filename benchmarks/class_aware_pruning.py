"""Class-aware against plain lottery-ticket weight pruning on imbalanced
digits.

scikit-learn's 8x8 digits (bundled offline) are made imbalanced: in the
training and validation splits the digits 5-9 keep only a fifth of their
examples, so they become the minority classes; the test split stays
balanced. One MLP of `PrunedDense` layers is pruned from the same
initialization by `kerastricks.utils.class_aware_iterative_pruning` with
`class_aware=True` and with `class_aware=False` (plain lottery-ticket
magnitude pruning with rewinding), both with the last round left in the
model (`final_round="last"`, the same sparsity). Prints, averaged over
seeds, the test accuracy, the mean and the lowest per-class recall, and the
false negatives of the minority classes, for the dense model and both
pruned ones:

    KERAS_BACKEND=jax python -m benchmarks.class_aware_pruning
"""

import argparse

import keras
import numpy as np

import kerastricks
from benchmarks import _records

MINORITY = (5, 6, 7, 8, 9)


def load(seed, minority_fraction):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int32")
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=0.3, random_state=seed, stratify=y)
    rng = np.random.default_rng(seed)
    keep = np.array([label not in MINORITY or rng.uniform() < minority_fraction
                     for label in y_rest])
    x_rest, y_rest = x_rest[keep], y_rest[keep]
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=0.25, random_state=seed, stratify=y_rest)
    return (x_train, y_train), (x_val, y_val), (x_test, y_test)


def build(seed, hidden, learning_rate):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((64,)),
        kerastricks.layers.PrunedDense(hidden, "relu"),
        kerastricks.layers.PrunedDense(hidden, "relu"),
        kerastricks.layers.PrunedDense(10),
    ])
    model.compile(keras.optimizers.Adam(learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    return model


def scores(model, data):
    x, y = data
    predictions = np.argmax(model.predict(x, verbose=0), axis=-1)
    recall = keras.ops.convert_to_numpy(
        kerastricks.ops.per_class_recall(y, predictions, 10))
    false_negatives = keras.ops.convert_to_numpy(
        kerastricks.ops.per_class_false_negatives(y, predictions, 10))
    return {"accuracy": float(np.mean(predictions == y)),
            "mean_recall": float(np.mean(recall)),
            "min_recall": float(np.min(recall)),
            "minority_false_negatives": float(
                np.sum(false_negatives[list(MINORITY)]))}


def run(seed, args):
    train, validation, test = load(seed, args.minority_fraction)
    rows, sparsity = {}, None
    for name, class_aware in (("plain", False), ("class-aware", True)):
        model = build(seed, args.hidden, args.learning_rate)
        initial = model.get_weights()
        result = kerastricks.utils.class_aware_iterative_pruning(
            model, *train, validation, num_classes=10, rounds=args.rounds,
            rate=args.rate, epochs=args.epochs,
            false_negative_tolerance=args.tolerance,
            class_aware=class_aware, batch_size=args.batch_size,
            final_round="last")
        rows[name] = scores(model, test)
        sparsity = result["sparsity"][-1]
        if name == "plain":
            # The dense reference: the same initialization and epochs.
            dense = build(seed, args.hidden, args.learning_rate)
            dense.set_weights(initial)
            dense.fit(*train, epochs=args.epochs, batch_size=args.batch_size,
                      verbose=0)
            rows["dense"] = scores(dense, test)
    return rows, sparsity


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rate", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--tolerance", type=float, default=1.0)
    parser.add_argument("--minority-fraction", type=float, default=0.2)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("class_aware_pruning", args, argv)
    print(f"# Class-aware vs plain weight pruning, imbalanced digits, "
          f"backend {keras.config.backend()}, keras {keras.__version__}, "
          f"{args.seeds} seeds, {args.rounds} rounds of rate {args.rate}")
    per_seed, sparsity = {}, None
    for seed in range(args.seeds):
        rows, sparsity = run(seed, args)
        for name, values in rows.items():
            per_seed.setdefault(name, []).append(values)
    print(f"sparsity of the pruned kernels: {sparsity:.4f}")
    print(f"{'model':<13}{'accuracy':>10}{'mean recall':>13}"
          f"{'min recall':>12}{'minority FN':>13}")
    summary = {}
    for name in ("dense", "plain", "class-aware"):
        means = {key: float(np.mean([row[key] for row in per_seed[name]]))
                 for key in per_seed[name][0]}
        summary[name] = {**means, "per_seed": per_seed[name]}
        print(f"{name:<13}{means['accuracy']:>10.3f}"
              f"{means['mean_recall']:>13.3f}{means['min_recall']:>12.3f}"
              f"{means['minority_false_negatives']:>13.1f}")
    _records.finish(record, {"sparsity": sparsity, "models": summary})
    return summary


if __name__ == "__main__":
    main()
