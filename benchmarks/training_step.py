"""Step time of the training-step techniques against plain training.

Times one compiled training step (`train_on_batch`, after warm-up) of a
ResNet-20-shaped CIFAR model (3 stages of 3 basic blocks, 16/32/64
channels, BatchNorm; 0.27M parameters) on synthetic 32x32x3 data, for
plain training and the SAM, ASAM, SAF and MESA wrappers, and for TrAct on
the first convolution. The row `forward` is no technique: the base model's
inference-mode forward pass alone (`predict_on_batch`), the least MESA's
extra forward pass can cost. Every variant is measured in the same run, so
the ratios compare like with like (rounds interleave the variants; times and
ratios are medians over the rounds). The defaults (10 rounds of 2 steps)
take a few minutes on 2 CPU cores, most of it compiling the seven models:

    KERAS_BACKEND=jax python -m benchmarks.training_step
"""

import argparse

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from benchmarks import _timing

NUM_CLASSES = 10


def _conv(filters, strides=1):
    return keras.layers.Conv2D(filters, 3, strides=strides, padding="same",
                               use_bias=False)


def _basic_block(x, filters, strides):
    shortcut = x
    y = _conv(filters, strides)(x)
    y = keras.layers.Activation("relu")(keras.layers.BatchNormalization()(y))
    y = keras.layers.BatchNormalization()(_conv(filters)(y))
    if strides != 1 or shortcut.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, strides=strides,
                                       use_bias=False)(shortcut)
        shortcut = keras.layers.BatchNormalization()(shortcut)
    return keras.layers.Activation("relu")(keras.layers.Add()([y, shortcut]))


def resnet20(tract=False):
    """He et al.'s CIFAR ResNet-20; with `tract`, the stem is TrAct(Conv2D)."""
    inputs = keras.Input((32, 32, 3))
    stem = _conv(16)
    if tract:
        stem = kerastricks.layers.TrAct(stem, lambda_=0.1)
    x = keras.layers.Activation("relu")(
        keras.layers.BatchNormalization()(stem(inputs)))
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(3):
            strides = 2 if stage > 0 and block == 0 else 1
            x = _basic_block(x, filters, strides)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(NUM_CLASSES)(x))


VARIANTS = {
    "base": lambda: resnet20(),
    "SAM": lambda: kerastricks.models.SAM(resnet20(), rho=0.05),
    "ASAM": lambda: kerastricks.models.SAM(resnet20(), rho=0.5,
                                           adaptive=True),
    "SAF": lambda: kerastricks.models.SAF(resnet20(), num_examples=50000),
    "MESA": lambda: kerastricks.models.MESA(resnet20()),
    "TrAct": lambda: resnet20(tract=True),
    "forward": lambda: resnet20(),
}


def _batch(name, batch_size, rng):
    x = rng.normal(size=(batch_size, 32, 32, 3)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, size=batch_size).astype("int32")
    if name == "SAF":
        # Any fixed ids in [0, num_examples): the memory row costs the same.
        x = kerastricks.models.SAF.with_example_indices(
            x, rng.integers(0, 50000, size=batch_size).astype("int32"))
    to_tensor = keras.ops.convert_to_tensor
    return keras.tree.map_structure(to_tensor, x), to_tensor(y)


def prepare(name, batch_size, warmup, jit_compile):
    """Builds, compiles and warms up a variant; returns its step."""
    keras.utils.set_random_seed(0)
    model = VARIANTS[name]()
    model.compile(
        optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    x, y = _batch(name, batch_size, np.random.default_rng(0))

    def step():
        if name == "forward":
            return model.predict_on_batch(x)
        return model.train_on_batch(x, y)

    for _ in range(warmup):
        step()
    return step


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch-size", type=int, default=64)
    _timing.add_timing_arguments(parser, steps=2)
    parser.add_argument("--only", action="append", choices=sorted(VARIANTS),
                        help="time only these variants (repeatable); the "
                        "baseline is always timed")
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    jit_compile = _timing.resolve_jit_compile(args)
    record = _records.start("training_step", args, argv)
    names = ["base"] + [n for n in VARIANTS if n != "base"
                        and (not args.only or n in args.only)]
    print(f"# training step, ResNet-20 (CIFAR), batch {args.batch_size}, "
          f"backend {keras.config.backend()}, keras {keras.__version__}, "
          f"jit_compile={args.jit_compile}")
    print(f"{'variant':<8}{'ms/step':>10}{'vs base':>9}")
    steps = {}
    for name in names:
        steps[name] = prepare(name, args.batch_size, args.warmup,
                              jit_compile)
    # Rounds interleave the variants in a random order, so a load change on
    # a shared machine hits them all; a variant's ratio is the median over
    # rounds of its time over the baseline's time in the same round.
    times = {name: [] for name in steps}
    order = np.random.default_rng(0)
    for _ in range(args.rounds):
        for name in order.permutation(list(steps)):
            times[name].append(_timing.time_steps(steps[name], args.steps))
    base = np.asarray(times["base"])
    variants = {}
    for name in names:
        ratio = float(np.median(np.asarray(times[name]) / base))
        median = float(np.median(times[name]))
        print(f"{name:<8}{median:>10.1f}{ratio:>8.2f}x")
        variants[name] = {"median_ms_per_step": median,
                          "median_ratio_to_base": ratio,
                          "round_ms_per_step": times[name]}
    _records.finish(record, {"parameters": int(sum(
        np.prod(v.shape) for v in resnet20().trainable_variables)),
        "variants": variants})
    return variants


if __name__ == "__main__":
    main()
