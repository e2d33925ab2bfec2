"""Step time of kerastricks optimizers against their Keras baselines and,
on torch, against pytorch-optimizer's implementation of the same method.

Times `optimizer.apply` on the trainable variables of a ~10M-parameter model
(a conv stem followed by BatchNorm and a wide MLP), jit-compiled where the
backend allows, with random gradients fixed in advance, so only the optimizer
is measured. The "projecting" rows of AdamP and SGDP take those gradients
made tangent to each output channel of the kernels, as behind a
normalization layer, so that their projection runs. Rounds interleave every
optimizer in a random order, so a load change on a shared machine hits them
all; a ratio is the median over rounds of an optimizer's time over its
baseline's time in the same round:

    KERAS_BACKEND=jax python -m benchmarks.optimizer_step

JAX jits `optimizer.stateless_apply`, TensorFlow runs `optimizer.apply` in
one `tf.function(jit_compile=True)`, torch runs it eagerly (Keras's torch
trainer does not compile optimizer steps either). On torch, the peer
(`pip install kerastricks[bench]` installs pytorch-optimizer) runs its own
`step()` on torch parameters holding the same values and gradients; without
it, or on another backend, the peer columns say why they are empty.
"""

import argparse
import collections
import importlib
import time

import keras
import numpy as np

import kerastricks
from benchmarks import _records

PEER_PACKAGE = "pytorch_optimizer"


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


BASELINES = {
    "Adam": lambda: keras.optimizers.Adam(1e-3),
    "SGD": lambda: keras.optimizers.SGD(0.1, momentum=0.9),
}

# One entry per compared optimizer. `peer` is the name of the same method's
# class in pytorch-optimizer and its keyword arguments (the same
# hyperparameters as `make`), or None where it has none. `gradients` is
# "random" or "tangent" (see `tangent_gradients`).
Compared = collections.namedtuple(
    "Compared", "name make baseline peer gradients", defaults=("random",))

COMPARED = [
    Compared("AdamP", lambda: kerastricks.optimizers.AdamP(1e-3), "Adam",
             ("AdamP", {"lr": 1e-3})),
    Compared("SGDP",
             lambda: kerastricks.optimizers.SGDP(0.1, momentum=0.9), "SGD",
             ("SGDP", {"lr": 0.1, "momentum": 0.9})),
    # Random gradients pass AdamP's scale-invariance test on none of the
    # large kernels, so the rows above time the test; these time the
    # projection too. (The peer views channels on the first axis, where
    # these gradients pass its whole-tensor test, so it projects as well.)
    Compared("AdamP (projecting)",
             lambda: kerastricks.optimizers.AdamP(1e-3), "Adam",
             ("AdamP", {"lr": 1e-3}), "tangent"),
    Compared("SGDP (projecting)",
             lambda: kerastricks.optimizers.SGDP(0.1, momentum=0.9), "SGD",
             ("SGDP", {"lr": 0.1, "momentum": 0.9}), "tangent"),
    Compared("OrthoGrad(SGD)",
             lambda: kerastricks.optimizers.OrthoGrad(
                 keras.optimizers.SGD(0.1, momentum=0.9)), "SGD", None),
    Compared("RAdam", lambda: kerastricks.optimizers.RAdam(1e-3), "Adam",
             ("RAdam", {"lr": 1e-3})),
    Compared("AdaBelief", lambda: kerastricks.optimizers.AdaBelief(1e-3),
             "Adam", ("AdaBelief", {"lr": 1e-3})),
    Compared("Adan", lambda: kerastricks.optimizers.Adan(1e-3), "Adam",
             ("Adan", {"lr": 1e-3})),
    # pytorch-optimizer's Lookahead wraps a torch optimizer, which the peer
    # harness (one class over the parameters) does not build.
    Compared("Lookahead(Adam)",
             lambda: kerastricks.optimizers.Lookahead(
                 keras.optimizers.Adam(1e-3)), "Adam", None),
]


def tangent_gradients(variables, gradients):
    """`gradients` with the component along each output channel (last axis)
    of the weights removed from every variable of rank > 1, as the gradient
    of a weight followed by normalization: AdamP's test fires on them."""
    tangent = []
    for variable, gradient in zip(variables, gradients):
        g = keras.ops.convert_to_numpy(gradient)
        if len(variable.shape) > 1:
            w = keras.ops.convert_to_numpy(variable.value)
            w = w.reshape(-1, w.shape[-1])
            unit = w / np.linalg.norm(w, axis=0, keepdims=True)
            rows = g.reshape(w.shape)
            rows = rows - unit * np.sum(unit * rows, axis=0, keepdims=True)
            g = rows.reshape(g.shape)
        tangent.append(keras.ops.convert_to_tensor(g.astype("float32")))
    return tangent


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


def prepare_optimizer(make_optimizer, model, grads, warmup):
    """A fresh copy of the model's variables, the optimizer's compiled step
    on them, warmed up; returns `run(steps)`."""
    variables = [keras.Variable(v.value) for v in model.trainable_variables]
    step = compile_optimizer_apply(make_optimizer(), variables)
    for _ in range(warmup):
        _block(step(grads))

    def run(steps):
        for _ in range(steps):
            out = step(grads)
        _block(out)

    return run


def peer_unavailable_reason(compared):
    """Why `compared` has no peer timing here, or None if it has one."""
    if compared.peer is None:
        return "no implementation in pytorch-optimizer"
    if keras.config.backend() != "torch":
        return "pytorch-optimizer runs on torch only"
    try:
        importlib.import_module(PEER_PACKAGE)
    except ImportError:
        return ("pytorch-optimizer is not installed "
                "(pip install kerastricks[bench])")
    return None


def prepare_peer(compared, model, grads, warmup):
    """pytorch-optimizer's `compared.peer` stepping torch parameters with
    the model's values and `grads`, warmed up; returns `run(steps)`."""
    import torch

    class_name, kwargs = compared.peer
    peer_class = getattr(importlib.import_module(PEER_PACKAGE), class_name)
    params = []
    for variable, grad in zip(model.trainable_variables, grads):
        param = torch.nn.Parameter(variable.value.detach().clone())
        param.grad = grad.detach().clone()
        params.append(param)
    optimizer = peer_class(params, **kwargs)
    for _ in range(warmup):
        optimizer.step()

    def run(steps):
        for _ in range(steps):
            optimizer.step()
        float(params[0].detach().sum())

    return run


def time_rounds(runs, rounds, steps):
    """ms/step of each of `runs` (name -> `run(steps)`) per round, the
    names in a new random order each round."""
    times = {name: [] for name in runs}
    order = np.random.default_rng(0)
    for _ in range(rounds):
        for name in order.permutation(list(runs)):
            start = time.perf_counter()
            runs[name](steps)
            times[name].append(
                (time.perf_counter() - start) / steps * 1000.0)
    return times


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=3,
                        help="steps per timed round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    _records.add_arguments(parser)
    return parser


def _median_ratio(times, name, baseline):
    return float(np.median(np.asarray(times[name])
                           / np.asarray(times[baseline])))


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("optimizer_step", args, argv)
    model = build_model()
    params = sum(int(np.prod(v.shape)) for v in model.trainable_variables)
    rng = np.random.default_rng(0)
    random_grads = [
        keras.ops.convert_to_tensor(
            rng.normal(size=v.shape).astype("float32"))
        for v in model.trainable_variables
    ]
    grads = {"random": random_grads,
             "tangent": tangent_gradients(model.trainable_variables,
                                          random_grads)}
    print(f"# optimizer step, {params / 1e6:.1f}M parameters, backend "
          f"{keras.config.backend()}, keras {keras.__version__}")
    # The baselines' step time does not depend on the gradients' values.
    runs = {name: prepare_optimizer(make, model, random_grads, args.warmup)
            for name, make in BASELINES.items()}
    peer_notes = {}
    for compared in COMPARED:
        compared_grads = grads[compared.gradients]
        runs[compared.name] = prepare_optimizer(
            compared.make, model, compared_grads, args.warmup)
        peer_notes[compared.name] = peer_unavailable_reason(compared)
        if peer_notes[compared.name] is None:
            runs["peer " + compared.name] = prepare_peer(
                compared, model, compared_grads, args.warmup)
    times = time_rounds(runs, args.rounds, args.steps)
    print(f"{'optimizer':<20}{'ms/step':>9}  {'baseline':<8}{'ms/step':>9}"
          f"{'ratio':>8}  peer (pytorch-optimizer)")
    rows = []
    for compared in COMPARED:
        name, base = compared.name, compared.baseline
        row = {"optimizer": name,
               "gradients": compared.gradients,
               "ms_per_step": float(np.median(times[name])),
               "baseline": base,
               "baseline_ms_per_step": float(np.median(times[base])),
               "median_ratio_to_baseline": _median_ratio(times, name, base),
               "round_ms_per_step": times[name],
               "baseline_round_ms_per_step": times[base],
               "peer": None if compared.peer is None else
               f"{PEER_PACKAGE}.{compared.peer[0]}",
               "peer_note": peer_notes[name]}
        peer_text = peer_notes[name]
        if peer_notes[name] is None:
            peer = "peer " + name
            row.update({
                "peer_ms_per_step": float(np.median(times[peer])),
                "peer_round_ms_per_step": times[peer],
                "peer_median_ratio_to_baseline": _median_ratio(
                    times, peer, base),
                "median_ratio_to_peer": _median_ratio(times, name, peer)})
            peer_text = (f"{row['peer_ms_per_step']:.2f} ms, "
                         f"{row['peer_median_ratio_to_baseline']:.2f}x "
                         f"{base}; ours {row['median_ratio_to_peer']:.2f}x")
        print(f"{name:<20}{row['ms_per_step']:>9.2f}  {base:<8}"
              f"{row['baseline_ms_per_step']:>9.2f}"
              f"{row['median_ratio_to_baseline']:>8.2f}  {peer_text}")
        rows.append(row)
    _records.finish(record, {"parameters": params, "pairs": rows})
    return rows


if __name__ == "__main__":
    main()
