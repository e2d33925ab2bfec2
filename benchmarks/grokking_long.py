"""Long grokking runs: a `grokking` preset trained to the paper's claim.

Prieto et al., 2025, "Grokking at the Edge of Numerical Stability"
(https://arxiv.org/abs/2501.04697). The headline run: StableMax
cross-entropy without weight decay groks. With the authors' code (MLP
226 -> 200 -> 200 -> 113 on (a + b) mod 113, train fraction 0.4, full
batch, AdamW lr 0.01, betas (0.9, 0.999), eps 1e-25, seed 42) it reaches
98.4% test accuracy after 70,421 steps: 0.9% at 10k, 5.2% at 20k, 28.8% at
30k, 73.0% at 40k, 93.9% at 50k, 97.8% at 60k.

The run is a resumable run folder (`--out`): evaluation, a metrics row and
a checkpoint every `--steps-per-epoch` full-batch steps. The record is
rewritten after every evaluation, so a run stopped early (or killed) still
leaves its trajectory as data; `--resume` continues it, and the record
then covers the whole run, its wall time summed over the sessions:

    KERAS_BACKEND=jax python -m benchmarks.grokking_long \\
        --preset stablemax_no_wd --steps 70421 --seed 42

The split is drawn by NumPy from `--seed`, not by torch's `random_split`,
so the 5,108 training pairs are not the authors' 5,107.
"""

import argparse
import json
import pathlib
import time

import keras

from benchmarks import _records
from kerastricks import recipes
from kerastricks.recipes import runner

# The authors' StableMax run: test accuracy at these steps.
PAPER_TRAJECTORY = {10_000: 0.0086, 20_000: 0.052, 30_000: 0.288,
                    40_000: 0.730, 50_000: 0.939, 60_000: 0.978,
                    70_421: 0.9838}
THRESHOLDS = (0.5, 0.9, 0.95, 0.98, 0.99)


def build_parser(description=__doc__, preset="stablemax_no_wd",
                 steps=70_421, steps_per_epoch=500,
                 out="benchmark_runs/grokking_long"):
    parser = argparse.ArgumentParser(description=description.split("\n")[0])
    parser.add_argument("--preset", default=preset)
    parser.add_argument("--steps", type=int, default=steps,
                        help="full-batch optimizer steps in all")
    parser.add_argument("--steps-per-epoch", type=int,
                        default=steps_per_epoch,
                        help="steps between two evaluations")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default=out,
                        help="run folder (resumable)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out")
    _records.add_arguments(parser)
    return parser


def first_step_reaching(trajectory, threshold):
    for step, _, test_accuracy in trajectory:
        if test_accuracy >= threshold:
            return step
    return None


class _RecordEachEpoch(keras.callbacks.Callback):
    """Rewrites the benchmark record from the run folder's metrics after
    every epoch."""

    def __init__(self, record, directory, args, earlier_seconds,
                 paper_trajectory):
        super().__init__()
        self.paper_trajectory = paper_trajectory
        self.record = record
        self.directory = pathlib.Path(directory)
        self.args = args
        self.earlier_seconds = earlier_seconds
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        _records.finish(dict(self.record), self.results(finished=False))

    def results(self, finished):
        # The run's CSVLogger comes before this callback and flushes each
        # row, so the metrics file already holds the epoch that just ended.
        history = runner.read_history(self.directory / runner.METRICS_FILE)
        steps_per_epoch = self.args.steps_per_epoch
        trajectory = [
            [(epoch + 1) * steps_per_epoch, train, test]
            for epoch, train, test in zip(
                history.epoch, history.history.get("accuracy", []),
                history.history.get("val_accuracy", []))
        ]
        steps_done = trajectory[-1][0] if trajectory else 0
        seconds = self.earlier_seconds + time.perf_counter() - self.started
        results = {
            "preset": self.args.preset,
            "steps_planned": self.args.steps,
            "steps_done": steps_done,
            "finished": finished,
            "train_seconds": round(seconds, 1),
            "seconds_per_step": round(seconds / steps_done, 4)
            if steps_done else None,
            "final_train_accuracy": trajectory[-1][1] if trajectory else None,
            "final_test_accuracy": trajectory[-1][2] if trajectory else None,
            "first_step_reaching": {
                f"{threshold:.2f}": first_step_reaching(trajectory, threshold)
                for threshold in THRESHOLDS},
            "trajectory": trajectory,
            "paper_trajectory": {str(step): accuracy for step, accuracy
                                 in self.paper_trajectory.items()},
        }
        return results


def train(args, record, paper_trajectory=PAPER_TRAJECTORY):
    """Trains `args.preset` into the run folder `args.out`, rewriting the
    record after every evaluation; returns the final results."""
    benchmark = record["benchmark"]
    steps = runner.check_positive_count("steps", args.steps)
    steps_per_epoch = runner.check_positive_count(
        "steps_per_epoch", args.steps_per_epoch)
    epochs = -(-steps // steps_per_epoch)
    recipe = recipes.create("grokking", preset=args.preset,
                            steps_per_epoch=steps_per_epoch)
    out = pathlib.Path(args.out)
    earlier_seconds = 0.0
    previous = _records.read(benchmark, keras.config.backend(),
                             args.results_folder)
    if args.resume and previous:
        earlier_seconds = previous["results"].get("train_seconds", 0.0)
    recorder = _RecordEachEpoch(record, out, args, earlier_seconds,
                                paper_trajectory)
    runner.train(recipe, out, epochs=epochs, seed=args.seed,
                 resume=args.resume, overwrite=not args.resume,
                 verbose=0, callbacks=[recorder])
    return recorder.results(finished=True)


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("grokking_long", args, argv)
    results = train(args, record)
    _records.finish(record, results)
    print(json.dumps(results, indent=1)[:2000])


if __name__ == "__main__":
    main()
