"""The intrinsic dimension of a fully connected classifier on the 8x8
digits, measured with `kerastricks.utils.intrinsic_dimension_search`.

Trains the full network (64-`width`-`width`-10, ReLU, like the paper's
MNIST FC nets) and a `RandomSubspaceModel` of it for every subspace
dimension d of `--dimensions`, all from the same initial weights, on
scikit-learn's bundled 8x8 digits (offline; pixels in [0, 1], a 20%
validation split by `kerastricks.recipes.datasets.split`), and reports
the validation accuracy of each and d_int90, the smallest d reaching 90%
of the full network's accuracy. The paper measures d_int90 = 750 for its
784-200-200-10 net on MNIST (D = 199,210).

    KERAS_BACKEND=jax python -m benchmarks.intrinsic_dimension
"""

import argparse

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes import datasets


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dimensions", type=int, nargs="+",
                        default=[10, 25, 50, 100, 200, 300, 400, 600, 800])
    parser.add_argument("--projection", default="fastfood",
                        choices=["dense", "sparse", "fastfood"])
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None,
                        help="where to write a PNG of accuracy against d")
    _records.add_arguments(parser)
    return parser


def load_digits(seed):
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = (digits.data / 16.0).astype("float32")
    return datasets.split(x, digits.target.astype("int32"), seed=seed)


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("intrinsic_dimension", args, argv)
    data = load_digits(args.seed)

    def build():
        return keras.Sequential([
            keras.Input((64,)),
            keras.layers.Dense(args.width, activation="relu"),
            keras.layers.Dense(args.width, activation="relu"),
            keras.layers.Dense(10),
        ])

    result = kerastricks.utils.intrinsic_dimension_search(
        build, data["train"], data["validation"], args.dimensions,
        projection=args.projection, epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=lambda: keras.optimizers.Adam(args.learning_rate),
        seed=args.seed, path=args.plot)
    print(f"# digits FC 64-{args.width}-{args.width}-10, D = "
          f"{result['num_parameters']}, {args.projection} projection, "
          f"backend {keras.config.backend()}")
    print(f"full model: {result['full_accuracy']:.4f}")
    for dimension, accuracy in zip(result["dimensions"], result["accuracy"]):
        print(f"d = {dimension:>6}: {accuracy:.4f}")
    print(f"d_int90 = {result['intrinsic_dimension']}")
    result["train_examples"] = int(len(data["train"][0]))
    result["validation_examples"] = int(len(data["validation"][0]))
    result["relative_accuracy"] = [
        float(a / result["full_accuracy"]) for a in result["accuracy"]]
    print(_records.finish(record, result))
    return result


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
