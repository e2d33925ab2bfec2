"""Plots each learning-rate schedule of `kerastricks.schedules` over its
steps, with the settings shown on its method card, into `docs/images`.

    python -m benchmarks._plot_schedules [--out docs/images]

Docs tooling, not a benchmark (no training, no timing, no record): it
evaluates each schedule at every step with `keras.ops` and draws the curve.
"""

import argparse
import pathlib

import keras
import numpy as np

import kerastricks

# The settings of each card's plot: (title, [(label, schedule)], steps).
PLOTS = {
    "cyclical_learning_rate": (
        "CyclicalLearningRate (1e-3 to 1e-1, step_size=100)",
        [(mode, kerastricks.schedules.CyclicalLearningRate(
            1e-3, 0.1, 100, mode=mode, gamma=0.997))
         for mode in ("triangular", "triangular2", "exp_range")],
        800),
    "one_cycle_learning_rate": (
        "OneCycleLearningRate (maximal 0.1, 1000 steps)",
        [(label, kerastricks.schedules.OneCycleLearningRate(
            0.1, 1000, **options))
         for label, options in (
             ("cos (default)", {}),
             ("linear", {"anneal_strategy": "linear"}),
             ("three_phase", {"three_phase": True}))],
        1000),
    "warmup_stable_decay": (
        "WarmupStableDecay (peak 1e-3, 100 warmup, 700 stable, 200 decay)",
        [(shape, kerastricks.schedules.WarmupStableDecay(
            1e-3, 100, 700, 200, final_learning_rate=1e-5,
            decay_shape=shape))
         for shape in ("linear", "cosine", "1-sqrt", "exponential")],
        1000),
}


def plot(name, out_dir):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    title, curves, num_steps = PLOTS[name]
    steps = np.arange(num_steps)
    figure, axes = pyplot.subplots(figsize=(6, 3.2), dpi=100)
    for label, schedule in curves:
        rates = keras.ops.convert_to_numpy(
            schedule(keras.ops.convert_to_tensor(steps, "int64")))
        axes.plot(steps, rates, label=label)
    axes.set_title(title, fontsize=10)
    axes.set_xlabel("step")
    axes.set_ylabel("learning rate")
    axes.legend(fontsize=8)
    figure.tight_layout()
    path = pathlib.Path(out_dir) / f"{name}.png"
    figure.savefig(path, metadata={"Software": None})
    pyplot.close(figure)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/images",
                        help="the folder of the PNG files")
    args = parser.parse_args(argv)
    for name in PLOTS:
        print(f"plot: {plot(name, args.out)}")


if __name__ == "__main__":
    main()
