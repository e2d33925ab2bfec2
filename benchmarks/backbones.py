"""Forward+backward step time of vision backbones of similar size, in one
run: PoolFormer-S12 and WaveMix against the `image_classifier` recipe's
ResNet grown to a similar parameter count (width 96, four stages: 11.0M
parameters against S12's 11.4M with a 10-class head). WaveMix is the
paper's CIFAR-10 network (seven blocks at full resolution, stem stride 1)
widened from 144 to 276 channels to reach 11.2M parameters.

Each model classifies random images with a softmax cross-entropy and plain
SGD in a compiled `train_on_batch` step (XLA on JAX and TensorFlow); after
warm-up steps the median of `--steps` timed steps is kept, and the models
alternate `--repeats` times. The record holds each model's parameters and
step times; the docs show the parameters and the step-time ratio to the
first model. A backbone is one entry of `BACKBONES`:

    KERAS_BACKEND=jax python -m benchmarks.backbones
"""

import argparse
import statistics

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from benchmarks import _timing
from kerastricks.recipes.image_classifier import backbones as recipe_backbones

# The recipe's ResNet at about PoolFormer-S12's parameter count.
RESNET_VALUES = {"resnet_width": 96, "resnet_stages": 4}


def _poolformer_s12(input_shape, num_classes):
    return kerastricks.models.PoolFormer("S12", num_classes=num_classes,
                                         input_shape=input_shape)


def _recipe_resnet(input_shape, num_classes):
    images = keras.Input(input_shape)
    features = recipe_backbones.resnet_features(images, RESNET_VALUES)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    return keras.Model(images, keras.layers.Dense(num_classes)(pooled),
                       name="recipe_resnet")


# The paper's CIFAR-10 WaveMix, widened to about PoolFormer-S12's parameter
# count (144 channels give 3.0M).
WAVEMIX_CHANNELS = 276


def _wavemix(input_shape, num_classes):
    return kerastricks.models.WaveMix(num_classes, input_shape,
                                      channels=WAVEMIX_CHANNELS)


# name -> (description, builder(input_shape, num_classes) -> keras.Model)
BACKBONES = {
    "poolformer_s12": ("PoolFormer-S12 (kerastricks.models.PoolFormer)",
                       _poolformer_s12),
    "recipe_resnet": ("image_classifier recipe ResNet, width 96, 4 stages",
                      _recipe_resnet),
    "wavemix": ("WaveMix, CIFAR-10 configuration at 276 channels "
                "(kerastricks.models.WaveMix)", _wavemix),
}


def step_seconds(model, x, y, steps, warmup=2):
    """The median seconds of one compiled training step."""
    for _ in range(warmup):
        model.train_on_batch(x, y)
    milliseconds = [
        _timing.time_steps(lambda: model.train_on_batch(x, y), 1)
        for _ in range(steps)
    ]
    return statistics.median(milliseconds) / 1000.0


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--num-classes", type=int, default=10)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--backbones", nargs="+", default=list(BACKBONES),
                        choices=list(BACKBONES))
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("backbones", args, argv)
    rng = np.random.default_rng(0)
    shape = (args.image_size, args.image_size, 3)
    x = rng.normal(size=(args.batch_size, *shape)).astype("float32")
    y = rng.integers(0, args.num_classes, size=args.batch_size)
    models, parameters = {}, {}
    for name in args.backbones:
        keras.utils.set_random_seed(0)
        model = BACKBONES[name][1](shape, args.num_classes)
        model.compile(optimizer=keras.optimizers.SGD(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True),
                      jit_compile=keras.config.backend() != "torch")
        models[name] = model
        parameters[name] = int(model.count_params())
    seconds = {name: [] for name in args.backbones}
    for _ in range(args.repeats):
        for name, model in models.items():
            seconds[name].append(step_seconds(model, x, y, args.steps))
    first = args.backbones[0]
    print(f"{'backbone':<18}{'parameters':>12}{'ms/step':>10}{'ratio':>8}")
    for name in args.backbones:
        milliseconds = 1e3 * statistics.median(seconds[name])
        ratio = statistics.median(seconds[name]) / statistics.median(
            seconds[first])
        print(f"{name:<18}{parameters[name]:>12,}{milliseconds:>10.1f}"
              f"{ratio:>8.2f}")
    _records.finish(record, {
        "parameters": parameters,
        "step_seconds": seconds,
        "descriptions": {name: BACKBONES[name][0]
                         for name in args.backbones},
    })
    return seconds


if __name__ == "__main__":
    main()
