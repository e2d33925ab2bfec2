"""Noise-adaptive layerwise learning rates against plain Muon, in the same
run: a small MLP fits a fixed random teacher network (regression) with
small batches, with Keras's `Muon` and with
`kerastricks.optimizers.NoiseAdaptiveLayerwiseLR` around the same `Muon`,
over a few seeds. Prints the final training and held-out losses and the
layer multipliers at the end, and writes a record:

    KERAS_BACKEND=jax python -m benchmarks.noise_adaptive_lr
"""

import argparse
import time

import keras
import numpy as np

import kerastricks
from benchmarks import _records


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--examples", type=int, default=2048)
    parser.add_argument("--input-dim", type=int, default=32)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=0.02)
    parser.add_argument("--label-noise", type=float, default=0.1)
    _records.add_arguments(parser)
    return parser


def _teacher_data(args, seed):
    """Inputs, targets of a fixed random tanh teacher plus label noise."""
    rng = np.random.default_rng(1000 + seed)
    x = rng.normal(size=(args.examples, args.input_dim)).astype("float32")
    hidden = np.tanh(x @ rng.normal(size=(args.input_dim, args.width))
                     / np.sqrt(args.input_dim))
    y = hidden @ rng.normal(size=(args.width, 1)) / np.sqrt(args.width)
    y = y + args.label_noise * rng.normal(size=y.shape)
    return x, y.astype("float32")


def _model(args):
    layers = [keras.Input((args.input_dim,))]
    layers += [keras.layers.Dense(args.width, activation="relu",
                                  name=f"hidden_{i}")
               for i in range(args.depth)]
    layers.append(keras.layers.Dense(1, name="output"))
    return keras.Sequential(layers)


def _optimizer(name, args):
    muon = keras.optimizers.Muon(learning_rate=args.learning_rate,
                                 weight_decay=0.0, adam_weight_decay=0.0,
                                 exclude_layers=["output"])
    if name == "muon":
        return muon
    return kerastricks.optimizers.NoiseAdaptiveLayerwiseLR(muon)


def _run(name, args, seed):
    x, y = _teacher_data(args, seed)
    split = args.examples * 3 // 4
    keras.utils.set_random_seed(seed)
    model = _model(args)
    model.compile(optimizer=_optimizer(name, args), loss="mse",
                  jit_compile=True)
    started = time.perf_counter()
    history = model.fit(x[:split], y[:split], epochs=args.epochs,
                        batch_size=args.batch_size, shuffle=True, verbose=0)
    seconds = time.perf_counter() - started
    held_out = model.evaluate(x[split:], y[split:], verbose=0)
    result = {"train_loss": [float(v) for v in history.history["loss"]],
              "held_out_loss": float(held_out), "seconds": seconds}
    if name != "muon":
        estimates = keras.ops.stack(model.optimizer.noise_estimates)
        multipliers = kerastricks.ops.noise_adaptive_multipliers(
            estimates, model.optimizer.epsilon)
        result["final_multipliers"] = [
            float(v) for v in keras.ops.convert_to_numpy(multipliers)]
    return result


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("noise_adaptive_lr", args, argv)
    runs = {"muon": {}, "noise_adaptive": {}}
    for seed in args.seeds:
        for name in runs:
            runs[name][str(seed)] = _run(name, args, seed)
            outcome = runs[name][str(seed)]
            multipliers = outcome.get("final_multipliers")
            print(f"seed {seed} {name:>15}: train "
                  f"{outcome['train_loss'][-1]:.5f}, held-out "
                  f"{outcome['held_out_loss']:.5f}"
                  + ("" if multipliers is None else
                     f", multipliers {np.round(multipliers, 3)}"))
    summary = {
        name: {
            "mean_final_train_loss": float(np.mean(
                [r["train_loss"][-1] for r in by_seed.values()])),
            "mean_held_out_loss": float(np.mean(
                [r["held_out_loss"] for r in by_seed.values()])),
        }
        for name, by_seed in runs.items()}
    wins = sum(runs["noise_adaptive"][s]["held_out_loss"]
               < runs["muon"][s]["held_out_loss"] for s in runs["muon"])
    results = {"runs": runs, "summary": summary,
               "seeds_where_noise_adaptive_is_better": wins,
               "seeds": len(args.seeds)}
    for name, row in summary.items():
        print(f"{name:>15}: mean train {row['mean_final_train_loss']:.5f}, "
              f"mean held-out {row['mean_held_out_loss']:.5f}")
    _records.finish(record, results)
    return results


if __name__ == "__main__":
    main()
