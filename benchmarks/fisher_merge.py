"""Fisher merging against plain averaging on two digit tasks.

Two models start from one initialization of a shared MLP body; model A is
trained on the digits 0-4 and model B on 5-9 (scikit-learn's 8x8 digits,
bundled offline), each with its own 5-way head. Their bodies are merged by
the plain average and by `kerastricks.utils.fisher_merge` (Fishers from each
model's training inputs, taken through its head), with each Fisher scaled
to unit norm (the default, as in the authors' script) and without that
scaling; every body is evaluated with both heads on the held-out digits.
Prints test accuracy per task, their mean, and the time of each merge
(Fisher time includes the two Fisher estimates), averaged over seeds:

    KERAS_BACKEND=jax python -m benchmarks.fisher_merge
"""

import argparse
import time

import keras
import numpy as np

import kerastricks
from benchmarks import _records


def load_tasks(seed):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.3, random_state=seed,
        stratify=digits.target)
    tasks = []
    for low in (0, 5):
        train = (y_train >= low) & (y_train < low + 5)
        test = (y_test >= low) & (y_test < low + 5)
        tasks.append(((x_train[train], y_train[train] - low),
                      (x_test[test], y_test[test] - low)))
    return tasks


def build(seed, hidden):
    keras.utils.set_random_seed(seed)
    body = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(hidden, activation="relu"),
    ])
    return body, [keras.layers.Dense(5) for _ in range(2)]


def accuracy(body, head, data):
    x, y = data
    logits = keras.Sequential([body, head]).predict(x, verbose=0)
    return float(np.mean(np.argmax(logits, axis=1) == y))


def run(seed, epochs, hidden):
    tasks = load_tasks(seed)
    body, heads = build(seed, hidden)
    bodies, fishers_data = [], []
    for head, (train, _) in zip(heads, tasks):
        task_body = keras.models.clone_model(body)
        task_body.set_weights(body.get_weights())
        model = keras.Sequential([task_body, head])
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True))
        model.fit(*train, epochs=epochs, batch_size=32, verbose=0)
        bodies.append(task_body)
        fishers_data.append((model, train[0]))

    start = time.perf_counter()
    average = kerastricks.utils.fisher_merge(bodies)
    average_s = time.perf_counter() - start
    start = time.perf_counter()
    fishers = [kerastricks.utils.diagonal_fisher(
        model, x, variables=task_body.trainable_variables)
        for (model, x), task_body in zip(fishers_data, bodies)]
    normalized = kerastricks.utils.fisher_merge(bodies, fishers)
    fisher_s = time.perf_counter() - start
    bare = kerastricks.utils.fisher_merge(bodies, fishers,
                                          normalize_fishers=False)
    rows = {}
    for name, merged in (("model A", bodies[0]), ("model B", bodies[1]),
                         ("plain average", average),
                         ("Fisher, bare", bare),
                         ("Fisher, unit norm", normalized)):
        rows[name] = [accuracy(merged, head, test)
                      for head, (_, test) in zip(heads, tasks)]
    return rows, average_s, fisher_s


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seeds", type=int, default=3)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("fisher_merge", args, argv)
    print(f"# Fisher merging, digits 0-4 (A) vs 5-9 (B), backend "
          f"{keras.config.backend()}, keras {keras.__version__}, "
          f"{args.seeds} seeds, {args.epochs} epochs")
    totals, times = {}, np.zeros(2)
    for seed in range(args.seeds):
        rows, average_s, fisher_s = run(seed, args.epochs, args.hidden)
        times += (average_s, fisher_s)
        for name, values in rows.items():
            totals.setdefault(name, []).append(values)
    print(f"{'body':<15}{'task A':>8}{'task B':>8}{'mean':>8}")
    bodies = {}
    for name, values in totals.items():
        a, b = np.mean(values, axis=0)
        print(f"{name:<15}{a:>8.3f}{b:>8.3f}{(a + b) / 2:>8.3f}")
        bodies[name] = {"task_a": float(a), "task_b": float(b),
                        "per_seed": [[float(v) for v in seed_values]
                                     for seed_values in values]}
    average_s, fisher_s = times / args.seeds
    print(f"merge time: plain average {average_s:.2f} s, Fisher (with both "
          f"Fishers) {fisher_s:.2f} s, ratio {fisher_s / average_s:.1f}x")
    _records.finish(record, {
        "accuracy": bodies, "plain_average_seconds": float(average_s),
        "fisher_merge_seconds": float(fisher_s)})
    return bodies


if __name__ == "__main__":
    main()
