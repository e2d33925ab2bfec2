"""Timing shared by the training-step benchmarks: milliseconds per step,
and the command-line options every one of them takes."""

import time

import keras
import numpy as np

JIT_COMPILE_CHOICES = {"auto": "auto", "true": True, "false": False}


def time_steps(step, steps):
    """Milliseconds per call of `step()` over `steps` calls. The last
    result is read back to the host, so asynchronous dispatch (JAX, GPUs)
    has finished the steps when the clock stops."""
    start = time.perf_counter()
    for _ in range(steps):
        result = step()
    float(np.asarray(result).ravel()[0])
    return (time.perf_counter() - start) / steps * 1000.0


def add_timing_arguments(parser, steps, warmup=3, rounds=10):
    parser.add_argument("--steps", type=int, default=steps,
                        help="steps per timed round")
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument(
        "--jit-compile", default=None, choices=tuple(JIT_COMPILE_CHOICES),
        help="default: true (XLA) on JAX and TensorFlow, false on torch "
        "(Keras's default there; torch.compile takes minutes on CPU)")


def resolve_jit_compile(args):
    """Fills in `args.jit_compile`'s backend default and returns the value
    `Model.compile` takes."""
    if args.jit_compile is None:
        args.jit_compile = (
            "false" if keras.config.backend() == "torch" else "true")
    return JIT_COMPILE_CHOICES[args.jit_compile]
