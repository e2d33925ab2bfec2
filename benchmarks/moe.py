"""Training-step time of SparseMoE against dense mixtures of experts.

Times one compiled training step (`train_on_batch`: forward and backward,
after warm-up) of a residual mixture-of-experts block on synthetic tokens
`(batch, tokens, dim)`, for three variants measured in the same run:

- `sparse`: `kerastricks.layers.SparseMoE` with `--experts` experts, each
  token routed to its `--top-k` best (capacity factor `--capacity-factor`);
- `dense_active`: a dense softmax mixture of `--top-k` experts of the same
  shape, every token through all of them: the same active parameters per
  token as `sparse`, with no routing, dispatch or capacity padding;
- `dense_all`: a dense softmax mixture of all `--experts` experts: the same
  total parameters as `sparse`, every expert active.

Rounds interleave the variants in a random order; times and ratios (to
`dense_active`) are medians over the rounds. The defaults take a few
minutes on 2 CPU cores:

    KERAS_BACKEND=jax python -m benchmarks.moe
"""

import argparse

import keras
import numpy as np
from keras import ops

import kerastricks
from benchmarks import _records
from benchmarks import _timing


class DenseMixture(keras.layers.Layer):
    """Every expert on every token, mixed by a softmax router: the dense
    counterpart of SparseMoE (same expert and router shapes)."""

    def __init__(self, num_experts, expert_units, **kwargs):
        super().__init__(**kwargs)
        self.num_experts = num_experts
        self.expert_units = expert_units

    def build(self, input_shape):
        dim, experts = input_shape[-1], self.num_experts
        self.router_kernel = self.add_weight(
            name="router_kernel", shape=(dim, experts))
        self.hidden_kernel = self.add_weight(
            name="hidden_kernel", shape=(experts, dim, self.expert_units))
        self.hidden_bias = self.add_weight(
            name="hidden_bias", shape=(experts, self.expert_units),
            initializer="zeros")
        self.output_kernel = self.add_weight(
            name="output_kernel", shape=(experts, self.expert_units, dim))
        self.output_bias = self.add_weight(
            name="output_bias", shape=(experts, dim), initializer="zeros")

    def call(self, inputs):
        gates = ops.softmax(ops.matmul(inputs, self.router_kernel))
        hidden = ops.relu(
            ops.einsum("bsd,edh->bseh", inputs, self.hidden_kernel)
            + self.hidden_bias)
        outputs = (ops.einsum("bseh,ehd->bsed", hidden, self.output_kernel)
                   + self.output_bias)
        return ops.einsum("bse,bsed->bsd", gates, outputs)


def build_model(variant, args):
    inputs = keras.Input((args.tokens, args.dim))
    if variant == "sparse":
        mixture = kerastricks.layers.SparseMoE(
            num_experts=args.experts, expert_units=args.expert_units,
            top_k=args.top_k, capacity_factor=args.capacity_factor)
    else:
        experts = args.top_k if variant == "dense_active" else args.experts
        mixture = DenseMixture(experts, args.expert_units)
    outputs = keras.layers.Add()([inputs, mixture(inputs)])
    return keras.Model(inputs, outputs)


VARIANTS = ("sparse", "dense_active", "dense_all")


def _expert_parameters(model):
    return int(sum(np.prod(v.shape) for v in model.trainable_variables
                   if "router" not in v.path and "noise" not in v.path))


def prepare(variant, args, jit_compile):
    keras.utils.set_random_seed(0)
    model = build_model(variant, args)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse",
                  jit_compile=jit_compile)
    rng = np.random.default_rng(0)
    shape = (args.batch_size, args.tokens, args.dim)
    x = ops.convert_to_tensor(rng.normal(size=shape).astype("float32"))
    y = ops.convert_to_tensor(rng.normal(size=shape).astype("float32"))

    def step():
        return model.train_on_batch(x, y)

    for _ in range(args.warmup):
        step()
    return model, step


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--experts", type=int, default=8)
    parser.add_argument("--expert-units", type=int, default=256)
    parser.add_argument("--top-k", type=int, default=2)
    parser.add_argument("--capacity-factor", type=float, default=1.25)
    _timing.add_timing_arguments(parser, steps=3)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    jit_compile = _timing.resolve_jit_compile(args)
    record = _records.start("moe", args, argv)
    capacity = kerastricks.ops.expert_capacity(
        args.tokens, args.experts, args.top_k, args.capacity_factor)
    print(f"# mixture-of-experts training step, batch {args.batch_size} x "
          f"{args.tokens} tokens x {args.dim}, {args.experts} experts of "
          f"{args.expert_units} units, top-{args.top_k}, capacity "
          f"{capacity}, backend {keras.config.backend()}, keras "
          f"{keras.__version__}, jit_compile={args.jit_compile}")
    models, steps = {}, {}
    for name in VARIANTS:
        models[name], steps[name] = prepare(name, args, jit_compile)
    times = {name: [] for name in VARIANTS}
    order = np.random.default_rng(0)
    for _ in range(args.rounds):
        for name in order.permutation(list(VARIANTS)):
            times[name].append(_timing.time_steps(steps[name], args.steps))
    baseline = np.asarray(times["dense_active"])
    print(f"{'variant':<14}{'ms/step':>10}{'vs dense_active':>17}"
          f"{'expert params':>15}")
    variants = {}
    for name in VARIANTS:
        ratio = float(np.median(np.asarray(times[name]) / baseline))
        median = float(np.median(times[name]))
        parameters = _expert_parameters(models[name])
        print(f"{name:<14}{median:>10.1f}{ratio:>16.2f}x{parameters:>15,}")
        variants[name] = {"median_ms_per_step": median,
                          "median_ratio_to_dense_active": ratio,
                          "expert_parameters": parameters,
                          "round_ms_per_step": times[name]}
    per_expert = variants["dense_active"]["expert_parameters"] // args.top_k
    _records.finish(record, {
        "capacity": capacity,
        "active_expert_parameters_per_token": per_expert * args.top_k,
        "variants": variants})
    return variants


if __name__ == "__main__":
    main()
