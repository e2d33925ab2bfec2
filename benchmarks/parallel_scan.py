"""Linear recurrence `h_t = a_t * h_{t-1} + b_t`: parallel scan against a
sequential loop, forward and backward.

Times one compiled training step (forward, backward and an SGD update) of a
model whose only work is the recurrence over `--units` channels, for each
sequence length, with three evaluations of the same recurrence:

- `parallel`: `kerastricks.ops.linear_recurrence`, a parallel scan by
  odd-even reduction (log2(T) levels, O(T) work);
- `sequential`: `kerastricks.ops.sequential_linear_recurrence`, a
  `keras.ops.scan` loop of T steps;
- `associative_scan`: `keras.ops.associative_scan` with the same combine
  rule, where the backend compiles it (on TensorFlow it fails in a compiled
  step with an unknown batch size; the record says so).

Rounds interleave the methods in a random order, so a load change on a
shared machine hits them all; a ratio is the median over rounds of the
sequential time over the parallel time in the same round:

    KERAS_BACKEND=jax python -m benchmarks.parallel_scan
"""

import argparse

import keras
import numpy as np
from keras import ops

import kerastricks
from benchmarks import _records
from benchmarks import _timing


def _combine(earlier, later):
    decay_1, input_1 = earlier
    decay_2, input_2 = later
    return decay_1 * decay_2, decay_2 * input_1 + input_2


def _associative_scan(decay, inputs):
    return ops.associative_scan(_combine, (decay, inputs), axis=1)[1]


METHODS = {
    "parallel": kerastricks.ops.linear_recurrence,
    "sequential": kerastricks.ops.sequential_linear_recurrence,
    "associative_scan": _associative_scan,
}


class _Recurrence(keras.layers.Layer):
    """Input-dependent transitions in (-1, 1) and inputs, then the
    recurrence by `method`."""

    def __init__(self, method, **kwargs):
        super().__init__(**kwargs)
        self.method = method

    def build(self, input_shape):
        self.decay_scale = self.add_weight(shape=(input_shape[-1],),
                                           initializer="ones")
        self.input_scale = self.add_weight(shape=(input_shape[-1],),
                                           initializer="ones")

    def call(self, x):
        decay = kerastricks.ops.transition_gate(x * self.decay_scale)
        return METHODS[self.method](decay, x * self.input_scale)

    def compute_output_shape(self, input_shape):
        return input_shape


def build_step(method, length, units):
    inputs = keras.Input((length, units))
    model = keras.Model(inputs, _Recurrence(method)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse",
                  jit_compile="auto")
    return model


def time_method(model, x, y, steps):
    model.train_on_batch(x, y)  # result pulled to the host: synchronizes
    return _timing.time_steps(lambda: model.train_on_batch(x, y), steps)


def benchmark_length(length, args, rng):
    x = rng.normal(size=(args.batch_size, length, args.units)).astype(
        "float32")
    y = np.zeros_like(x)
    models, skipped = {}, {}
    for method in args.methods:
        try:
            models[method] = build_step(method, length, args.units)
            # TensorFlow traces again with a relaxed (unknown) batch size
            # on the second call: both compile here.
            for _ in range(2):
                models[method].train_on_batch(x, y)
        except Exception as error:  # noqa: BLE001 (recorded, not hidden)
            skipped[method] = f"{type(error).__name__}: {str(error)[:160]}"
    times = {method: [] for method in models}
    for _ in range(args.rounds):
        for method in rng.permutation(list(models)):
            times[method].append(time_method(models[method], x, y,
                                              args.steps))
    result = {"ms_per_step": {m: float(np.median(t))
                              for m, t in times.items()},
              "failed": skipped}
    if "parallel" in times and "sequential" in times:
        result["median_sequential_over_parallel"] = float(np.median(
            np.asarray(times["sequential"]) / np.asarray(times["parallel"])))
    return result


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", type=int, nargs="+",
                        default=[64, 256, 1024, 4096])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--methods", nargs="+", default=list(METHODS),
                        choices=list(METHODS))
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("parallel_scan", args, argv)
    rng = np.random.default_rng(0)
    results = {}
    for length in args.lengths:
        results[str(length)] = benchmark_length(length, args, rng)
        print(f"length {length}: {results[str(length)]}")
    _records.finish(record, {"by_length": results})


if __name__ == "__main__":
    main()
