"""Parity with a linear RNN: transitions in [-1, 1] against [0, 1].

Grazzi et al. (2024) prove that a linear RNN whose diagonal transitions lie
in [0, 1] cannot solve parity, and that allowing [-1, 1] fixes it. This
trains the same small model twice per seed, once with each range
(`kerastricks.layers.GatedLinearRecurrence(allow_negative_eigenvalues=...)`):
bits in, the parity of every prefix out, trained on sequences of
`--train-length` bits and tested on longer ones. Same initial weights,
batches and optimizer for both; one record with the accuracy of the last
position at every test length:

    KERAS_BACKEND=jax python -m benchmarks.state_tracking
"""

import argparse
import time

import keras
import numpy as np

import kerastricks
from benchmarks import _records


def parity_batch(rng, batch_size, length):
    """Bits `(batch, length)` and the parity of every prefix."""
    bits = rng.integers(0, 2, size=(batch_size, length))
    return bits.astype("int32"), (np.cumsum(bits, axis=1) % 2).astype(
        "float32")


def build_model(allow_negative_eigenvalues, units):
    bits = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(2, units)(bits)
    x = kerastricks.layers.GatedLinearRecurrence(
        units, allow_negative_eigenvalues=allow_negative_eigenvalues)(x)
    x = keras.layers.Dense(4 * units, activation="relu")(x)
    return keras.Model(bits, keras.layers.Dense(1)(x)[..., 0])


def train_and_test(allow_negative_eigenvalues, seed, args):
    keras.utils.set_random_seed(seed)
    model = build_model(allow_negative_eigenvalues, args.units)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=args.learning_rate),
        loss=keras.losses.BinaryCrossentropy(from_logits=True))
    rng = np.random.default_rng(seed)
    x, y = parity_batch(rng, args.steps * args.batch_size,
                        args.train_length)
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=args.batch_size, epochs=1,
                        verbose=0)
    seconds = time.perf_counter() - start
    test_rng = np.random.default_rng(10_000 + seed)
    accuracy = {}
    for length in args.test_lengths:
        x, y = parity_batch(test_rng, args.test_examples, length)
        logits = model.predict(x, batch_size=args.test_examples, verbose=0)
        accuracy[str(length)] = float(np.mean((logits[:, -1] > 0)
                                              == (y[:, -1] > 0.5)))
    return {"last_position_accuracy": accuracy,
            "final_train_loss": history.history["loss"][-1],
            "train_seconds": seconds}


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--units", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=1e-2)
    parser.add_argument("--train-length", type=int, default=16)
    parser.add_argument("--test-lengths", type=int, nargs="+",
                        default=[16, 64, 256, 1024])
    parser.add_argument("--test-examples", type=int, default=1000)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("state_tracking", args, argv)
    print(f"# parity, trained on {args.train_length} bits, backend "
          f"{keras.config.backend()}, {args.steps} steps, {args.seeds} seeds")
    runs = {}
    for label, negative in (("[-1, 1]", True), ("[0, 1]", False)):
        runs[label] = [train_and_test(negative, seed, args)
                       for seed in range(args.seeds)]
        for seed, run in enumerate(runs[label]):
            print(f"{label} seed {seed}: last-position accuracy "
                  f"{run['last_position_accuracy']}, train loss "
                  f"{run['final_train_loss']:.4f}")
    _records.finish(record, {"runs": runs})


if __name__ == "__main__":
    main()
