"""⊥SGD + StableMax in float64: the paper's fast grokking without decay.

Prieto et al., 2025, "Grokking at the Edge of Numerical Stability"
(https://arxiv.org/abs/2501.04697). With the authors' code (MLP on
(a + b) mod 113, train fraction 0.4, full batch, seed 42, model and
softmax in float64, SGD lr 10 with momentum 0.8, gradients made orthogonal
to the weights, StableMax cross-entropy) test accuracy reaches 99% after
416 steps. This trains the `orthograd_sgd_stablemax_float64` preset the
same way, with evaluation every 20 steps, and records its trajectory
(`benchmarks/grokking_long.py` does the work):

    KERAS_BACKEND=jax python -m benchmarks.grokking_sgd_float64

Under JAX this script sets `JAX_ENABLE_X64=1` (unless already set) before
Keras is imported: without it JAX computes float64 in float32.
"""

import os

os.environ.setdefault("JAX_ENABLE_X64", "1")

from benchmarks import _records  # noqa: E402
from benchmarks import grokking_long  # noqa: E402

# The authors' run: first evaluation with test accuracy >= 99%.
PAPER_TRAJECTORY = {416: 0.99}


def build_parser():
    return grokking_long.build_parser(
        description=__doc__, preset="orthograd_sgd_stablemax_float64",
        steps=600, steps_per_epoch=20,
        out="benchmark_runs/grokking_sgd_float64")


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("grokking_sgd_float64", args, argv)
    _records.finish(record, grokking_long.train(args, record,
                                                PAPER_TRAJECTORY))


if __name__ == "__main__":
    main()
