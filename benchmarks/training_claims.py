"""Schedules, weight averaging and weight normalization against their
baselines, over seeds.

An MLP classifies generated textured shapes, trained with SGD and momentum
for the same number of steps in every variant:

- `schedules`: a constant learning rate, cosine decay, warmup-stable-decay
  (WSD claims to match or beat cosine) and the one-cycle policy (it claims
  to reach a standard schedule's accuracy in fewer steps: at an equal,
  short budget it should be ahead of the constant rate);
- `swa`: the constant rate with and without stochastic weight averaging
  over the second half of training (SWA claims a better test accuracy);
- `weight_normalization`: plain Dense layers and Dense layers wrapped in
  `WeightNormalization` (it claims faster convergence: a lower training
  loss after the same steps).

    KERAS_BACKEND=jax python -m benchmarks.training_claims --seeds 3
"""


import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes import datasets

VARIANTS = ("constant", "cosine", "WSD", "one-cycle", "SWA",
            "WeightNormalization")


def _mlp(size, classes, seed, weight_normalization=False):
    initializer = keras.initializers.GlorotUniform

    def dense(units, offset, activation=None):
        layer = keras.layers.Dense(
            units, activation=activation,
            kernel_initializer=initializer(seed=seed + offset))
        if weight_normalization:
            return kerastricks.layers.WeightNormalization(layer)
        return layer
    return keras.Sequential([
        keras.Input((size, size, 1)), keras.layers.Flatten(),
        dense(128, 0, "relu"), dense(128, 1, "relu"), dense(classes, 2)])


def _learning_rate(name, args, total_steps):
    rate = args.learning_rate
    if name == "cosine":
        return keras.optimizers.schedules.CosineDecay(rate, total_steps)
    if name == "WSD":
        warmup = max(1, total_steps // 20)
        decay = max(1, total_steps // 5)
        return kerastricks.schedules.WarmupStableDecay(
            rate, warmup_steps=warmup,
            stable_steps=total_steps - warmup - decay, decay_steps=decay)
    if name == "one-cycle":
        return kerastricks.schedules.OneCycleLearningRate(
            args.one_cycle_peak, total_steps)
    return rate


def _run(name, seed, data, args):
    x, y, x_test, y_test = data
    steps_per_epoch = -(-len(x) // args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    keras.utils.set_random_seed(seed)
    model = _mlp(x.shape[1], len(datasets.TEXTURED_SHAPES), seed,
                 weight_normalization=name == "WeightNormalization")
    model.compile(
        optimizer=keras.optimizers.SGD(
            _learning_rate(name, args, total_steps), momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    callbacks = ([kerastricks.callbacks.SWA(start_epoch=args.epochs // 2)]
                 if name == "SWA" else [])
    model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size,
              verbose=0, callbacks=callbacks)
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=-1)
    return {"test_accuracy": float(np.mean(predicted == y_test)),
            "train_loss": float(model.evaluate(x, y, verbose=0))}


def build_parser():
    parser = _records.study_parser(__doc__.split("\n")[0], seeds=3,
                                   epochs=10)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--one-cycle-peak", type=float, default=0.2)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("training_claims", args, argv)
    results = {name: {"test_accuracy": [], "train_loss": []}
               for name in VARIANTS}
    for seed in range(args.seeds):
        x, y = datasets.textured_shapes(args.train_size + args.test_size,
                                        seed=seed)
        data = (x[:args.train_size], y[:args.train_size],
                x[args.train_size:], y[args.train_size:])
        for name in VARIANTS:
            run = _run(name, seed, data, args)
            for key, value in run.items():
                results[name][key].append(value)
            print(f"seed {seed} {name}: {run}")
    _records.finish(record, {"variants": results, "seeds": args.seeds})
    return results


if __name__ == "__main__":
    main()
