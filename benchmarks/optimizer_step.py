"""Step time of kerastricks optimizers against their Keras baselines.

Times `optimizer.apply` on the trainable variables of a ~10M-parameter model
(a conv stem followed by BatchNorm and a wide MLP), jit-compiled where the
backend allows, with random gradients fixed in advance, so only the optimizer
is measured. Prints ms/step and the ratio to the baseline measured in the
same run:

    KERAS_BACKEND=jax python -m benchmarks.optimizer_step

JAX jits `optimizer.stateless_apply`, TensorFlow runs `optimizer.apply` in
one `tf.function(jit_compile=True)`, torch runs it eagerly (Keras's torch
trainer does not compile optimizer steps either).
"""

import argparse
import time

import keras
import numpy as np

import kerastricks
from benchmarks import _records


def build_model():
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(256, 3, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Conv2D(256, 3, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2048),
            keras.layers.Dense(2048),
            keras.layers.Dense(2048),
            keras.layers.Dense(1000),
        ]
    )


PAIRS = [
    ("AdamP", lambda: kerastricks.optimizers.AdamP(1e-3),
     "Adam", lambda: keras.optimizers.Adam(1e-3)),
    ("SGDP", lambda: kerastricks.optimizers.SGDP(0.1, momentum=0.9),
     "SGD", lambda: keras.optimizers.SGD(0.1, momentum=0.9)),
    ("OrthoGrad(SGD)",
     lambda: kerastricks.optimizers.OrthoGrad(
         keras.optimizers.SGD(0.1, momentum=0.9)),
     "SGD", lambda: keras.optimizers.SGD(0.1, momentum=0.9)),
]


def _block(value):
    return keras.ops.convert_to_numpy(keras.ops.sum(value))


def _jax_step(optimizer, variables):
    import jax

    apply = jax.jit(optimizer.stateless_apply)
    state = {
        "optimizer": [v.value for v in optimizer.variables],
        "variables": [v.value for v in variables],
    }

    def step(grads):
        state["variables"], state["optimizer"] = apply(
            state["optimizer"], grads, state["variables"])
        for variable, value in zip(variables, state["variables"]):
            variable.assign(value)
        for variable, value in zip(optimizer.variables, state["optimizer"]):
            variable.assign(value)
        return state["variables"][0]

    return step


def _tensorflow_step(optimizer, variables):
    import tensorflow as tf

    @tf.function(jit_compile=True)
    def step(grads):
        optimizer.apply(grads, variables)
        return variables[0].value

    return step


def _torch_step(optimizer, variables):
    import torch

    def step(grads):
        with torch.no_grad():
            optimizer.apply(grads, variables)
        return variables[0].value

    return step


COMPILED_STEPS = {"jax": _jax_step, "tensorflow": _tensorflow_step,
                  "torch": _torch_step}


def compile_optimizer_apply(optimizer, variables):
    """Returns `step(grads)` that applies `optimizer` to `variables`,
    compiled the way the active backend allows."""
    optimizer.build(variables)
    return COMPILED_STEPS[keras.config.backend()](optimizer, variables)


def time_optimizer(make_optimizer, model, grads, warmup, steps):
    variables = [keras.Variable(v.value) for v in model.trainable_variables]
    step = compile_optimizer_apply(make_optimizer(), variables)
    for _ in range(warmup):
        _block(step(grads))
    start = time.perf_counter()
    for _ in range(steps):
        out = step(grads)
    _block(out)
    return (time.perf_counter() - start) / steps * 1000.0


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("optimizer_step", args, argv)
    model = build_model()
    params = sum(int(np.prod(v.shape)) for v in model.trainable_variables)
    rng = np.random.default_rng(0)
    grads = [
        keras.ops.convert_to_tensor(
            rng.normal(size=v.shape).astype("float32"))
        for v in model.trainable_variables
    ]
    print(f"# optimizer step, {params / 1e6:.1f}M parameters, backend "
          f"{keras.config.backend()}, keras {keras.__version__}")
    print(f"{'optimizer':<16}{'ms/step':>9}  {'baseline':<8}{'ms/step':>9}"
          f"{'ratio':>8}")
    rows = []
    for name, make, base_name, make_base in PAIRS:
        base_ms = time_optimizer(make_base, model, grads, args.warmup,
                                 args.steps)
        ms = time_optimizer(make, model, grads, args.warmup, args.steps)
        print(f"{name:<16}{ms:>9.2f}  {base_name:<8}{base_ms:>9.2f}"
              f"{ms / base_ms:>8.2f}")
        rows.append({"optimizer": name, "ms_per_step": ms,
                     "baseline": base_name, "baseline_ms_per_step": base_ms})
    _records.finish(record, {"parameters": params, "pairs": rows})
    return rows


if __name__ == "__main__":
    main()
