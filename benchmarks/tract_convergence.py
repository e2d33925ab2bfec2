"""Epochs to accuracy with and without TrAct, on scikit-learn's digits.

Trains the same small CNN (first layer Conv2D) twice per optimizer and
seed, once plain and once with its first layer wrapped in
`kerastricks.layers.TrAct`: same initial weights, batch order, optimizer and
epochs. Records the test accuracy after every epoch and prints, per
optimizer, the baseline's final accuracy (mean over seeds), the epoch at
which TrAct's mean curve first reaches it, and the speed-up
`epochs / that epoch` (the paper reports 1.25x to 4x). Digits is offline
(1,797 8x8 images in scikit-learn), so nothing is downloaded:

    KERAS_BACKEND=jax python -m benchmarks.tract_convergence
    KERAS_BACKEND=jax python -m benchmarks.tract_convergence --png curves.png
"""

import argparse
import time

import keras
import numpy as np

import kerastricks
from benchmarks import _records

OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(learning_rate=1e-3),
    "sgd": lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
}


def load_digits(test_size, seed=0):
    """Digits scaled to [0, 1] (pixels are 0..16), split by a fixed seed."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    data = sklearn_digits()
    images = (data.images / 16.0).astype("float32")[..., None]
    return train_test_split(images, data.target, test_size=test_size,
                            random_state=seed, stratify=data.target)


def build_model(tract, lambda_):
    first = keras.layers.Conv2D(16, 3, padding="same", activation="relu")
    if tract:
        first = kerastricks.layers.TrAct(first, lambda_=lambda_)
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        first,
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10),
    ])


def train(tract, optimizer, seed, data, args):
    x_train, x_test, y_train, y_test = data
    keras.utils.set_random_seed(seed)
    model = build_model(tract, args.lambda_)
    model.compile(
        optimizer=OPTIMIZERS[optimizer](),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=args.epochs,
                        batch_size=args.batch_size,
                        validation_data=(x_test, y_test), verbose=0)
    return (np.array(history.history["val_accuracy"]),
            time.perf_counter() - start)


def epochs_to_reach(curve, target):
    """First epoch (1-based) whose accuracy is >= target, else None."""
    reached = np.flatnonzero(curve >= target - 1e-9)
    return int(reached[0]) + 1 if reached.size else None


def summarize(name, plain, tract, epochs):
    """One table row from (seeds, epochs) accuracy arrays."""
    plain_mean, tract_mean = plain.mean(0), tract.mean(0)
    target = plain_mean[-1]
    tract_epochs = epochs_to_reach(tract_mean, target)
    plain_epochs = epochs_to_reach(plain_mean, target)
    per_seed = [epochs_to_reach(t, p[-1]) for p, t in zip(plain, tract)]
    speedup = f"{epochs / tract_epochs:.2f}x" if tract_epochs else "not reached"
    return (f"| {name} | {target:.4f} | {tract_mean[-1]:.4f} | "
            f"{plain_epochs} | {tract_epochs or '-'} | {speedup} | "
            f"{', '.join(str(e or '-') for e in per_seed)} |")


def plot(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, len(curves), figsize=(5 * len(curves),
                                                            3.5))
    for axis, (optimizer, runs) in zip(np.atleast_1d(axes), curves.items()):
        for label, curve in runs.items():
            epochs = np.arange(1, curve.shape[1] + 1)
            axis.plot(epochs, curve.mean(0), label=label)
        axis.set_title(optimizer)
        axis.set_xlabel("epoch")
        axis.set_ylabel("test accuracy (mean over seeds)")
        axis.legend()
    figure.tight_layout()
    figure.savefig(path)


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lambda", dest="lambda_", type=float, default=0.1)
    parser.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS),
                        choices=list(OPTIMIZERS))
    parser.add_argument("--test-size", type=int, default=500)
    parser.add_argument("--png", help="also save the mean curves here")
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("tract_convergence", args, argv)
    data = load_digits(args.test_size)
    print(f"# TrAct convergence on digits ({len(data[0])} train / "
          f"{len(data[1])} test), backend {keras.config.backend()}, keras "
          f"{keras.__version__}, epochs {args.epochs}, seeds {args.seeds}, "
          f"batch {args.batch_size}, lambda {args.lambda_}")
    curves, rows, seconds = {}, [], {"plain": 0.0, "TrAct": 0.0}
    for optimizer in args.optimizers:
        runs = {"plain": [], "TrAct": []}
        for seed in range(args.seeds):
            for label, tract in (("plain", False), ("TrAct", True)):
                curve, elapsed = train(tract, optimizer, seed, data, args)
                runs[label].append(curve)
                seconds[label] += elapsed
        runs = {label: np.stack(c) for label, c in runs.items()}
        curves[optimizer] = runs
        rows.append(summarize(optimizer, runs["plain"], runs["TrAct"],
                              args.epochs))
        for label, curve in runs.items():
            print(f"{optimizer:<5} {label:<6} mean test accuracy by epoch: "
                  + " ".join(f"{a:.3f}" for a in curve.mean(0)))
    print()
    print("| optimizer | plain final acc | TrAct final acc | epochs for plain "
          "to first reach its final | epochs for TrAct to reach it | "
          "speed-up (epochs / TrAct's) | per seed: TrAct epochs |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print(f"\nfit wall time: plain {seconds['plain']:.1f} s, TrAct "
          f"{seconds['TrAct']:.1f} s "
          f"({seconds['TrAct'] / seconds['plain']:.2f}x, includes "
          "compilation and per-epoch evaluation)")
    _records.finish(record, {
        "train_examples": len(data[0]), "test_examples": len(data[1]),
        "test_accuracy_by_epoch": {
            optimizer: {label: curve for label, curve in runs.items()}
            for optimizer, runs in curves.items()},
        "fit_seconds": seconds})
    if args.png:
        plot(curves, args.png)
        print(f"saved {args.png}")


if __name__ == "__main__":
    main()
