"""Training-step time of the Haar DWT against a strided convolution of the
same output shape.

`HaarDWT2D` maps (B, H, W, C) to (B, H/2, W/2, 4C) with no parameters; the
learned layer with the same output shape is a 2x2 convolution with stride
2 and 4C filters. Each variant is a tiny model, a per-channel 1x1
depthwise scale (so that the gradient flows back through the measured
layer to a weight) followed by the measured layer, trained one step at a
time with SGD on a squared loss (`train_on_batch`: forward, backward and
update). The `scale only` variant is that shared first layer alone, the
floor of both. Rounds interleave the variants in a random order; times and
ratios are medians over the rounds:

    KERAS_BACKEND=jax python -m benchmarks.haar_dwt
"""

import argparse

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from benchmarks import _timing


def _measured_layer(name, channels):
    if name == "haar_dwt":
        return kerastricks.layers.HaarDWT2D()
    if name == "strided_conv":
        return keras.layers.Conv2D(4 * channels, 2, strides=2)
    return keras.layers.Identity()


VARIANTS = ("haar_dwt", "strided_conv", "scale_only")


def build(name, size, channels):
    inputs = keras.Input((size, size, channels))
    x = keras.layers.DepthwiseConv2D(1, use_bias=False)(inputs)
    return keras.Model(inputs, _measured_layer(name, channels)(x))


def prepare(name, args, jit_compile):
    keras.utils.set_random_seed(0)
    model = build(name, args.size, args.channels)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse",
                  jit_compile=jit_compile)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch_size, args.size, args.size,
                         args.channels)).astype("float32")
    y = np.zeros(model.output_shape[1:], "float32")[None].repeat(
        args.batch_size, axis=0)
    x, y = keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y)

    def step():
        return model.train_on_batch(x, y)

    for _ in range(args.warmup):
        step()
    return step, model.count_params()


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--size", type=int, default=64,
                        help="image height and width")
    parser.add_argument("--channels", type=int, default=32)
    _timing.add_timing_arguments(parser, steps=5)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    jit_compile = _timing.resolve_jit_compile(args)
    record = _records.start("haar_dwt", args, argv)
    print(f"# Haar DWT vs strided conv, batch {args.batch_size}, "
          f"{args.size}x{args.size}x{args.channels}, backend "
          f"{keras.config.backend()}, jit_compile={args.jit_compile}")
    steps, parameters = {}, {}
    for name in VARIANTS:
        steps[name], parameters[name] = prepare(name, args, jit_compile)
    times = {name: [] for name in VARIANTS}
    order = np.random.default_rng(0)
    for _ in range(args.rounds):
        for name in order.permutation(list(VARIANTS)):
            times[name].append(_timing.time_steps(steps[name], args.steps))
    conv = np.asarray(times["strided_conv"])
    variants = {}
    print(f"{'variant':<14}{'ms/step':>10}{'vs conv':>9}{'params':>9}")
    for name in VARIANTS:
        ratio = float(np.median(np.asarray(times[name]) / conv))
        median = float(np.median(times[name]))
        print(f"{name:<14}{median:>10.2f}{ratio:>8.2f}x"
              f"{parameters[name]:>9}")
        variants[name] = {"median_ms_per_step": median,
                          "median_ratio_to_strided_conv": ratio,
                          "parameters": parameters[name],
                          "round_ms_per_step": times[name]}
    _records.finish(record, {"variants": variants})
    return variants


if __name__ == "__main__":
    main()
