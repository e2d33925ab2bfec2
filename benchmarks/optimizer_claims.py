"""The optimizers' claims on a small problem, against their baselines.

An MLP with BatchNorm after each hidden Dense layer (so those kernels are
scale-invariant) classifies generated textured shapes. Over seeds:

- `sweep`: Adam, RAdam (no warmup), Lookahead(Adam), AdaBelief and Adan at
  a range of learning rates; the test accuracy after every epoch. RAdam
  and Lookahead claim robustness to the learning rate (a smaller spread of
  accuracy over the rates than Adam's), AdaBelief a better accuracy than
  Adam, Adan Adam's accuracy in about half the epochs.
- `projection`: SGD and SGDP with momentum; the norm growth of the
  scale-invariant kernels and the test accuracy (SGDP claims to curb the
  growth, at equal or better accuracy).

    KERAS_BACKEND=jax python -m benchmarks.optimizer_claims --seeds 2
"""


import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes import datasets

SWEPT = ("Adam", "RAdam", "Lookahead(Adam)", "AdaBelief", "Adan")


def _optimizer(name, learning_rate, momentum=0.9):
    if name == "Lookahead(Adam)":
        return kerastricks.optimizers.Lookahead(
            keras.optimizers.Adam(learning_rate))
    if name == "SGD":
        return keras.optimizers.SGD(learning_rate, momentum=momentum)
    factory = {"Adam": keras.optimizers.Adam,
               "RAdam": kerastricks.optimizers.RAdam,
               "AdaBelief": kerastricks.optimizers.AdaBelief,
               "Adan": kerastricks.optimizers.Adan}.get(name)
    if factory:
        return factory(learning_rate)
    return kerastricks.optimizers.SGDP(learning_rate, momentum=momentum)


def _model(size, classes, seed):
    initializer = keras.initializers.GlorotUniform
    layers = [keras.Input((size, size, 1)), keras.layers.Flatten()]
    for offset in range(2):
        layers += [keras.layers.Dense(
                       128, use_bias=False,
                       kernel_initializer=initializer(seed=seed + offset)),
                   keras.layers.BatchNormalization(),
                   keras.layers.ReLU()]
    layers.append(keras.layers.Dense(
        classes, kernel_initializer=initializer(seed=seed + 2)))
    return keras.Sequential(layers)


def _data(seed, args):
    x, y = datasets.textured_shapes(args.train_size + args.test_size,
                                    seed=seed)
    return (x[:args.train_size], y[:args.train_size],
            x[args.train_size:], y[args.train_size:])


def _scale_invariant_kernels(model):
    return [layer.kernel for layer in model.layers
            if isinstance(layer, keras.layers.Dense) and not layer.use_bias]


def _fit(name, learning_rate, seed, data, args):
    x, y, x_test, y_test = data
    keras.utils.set_random_seed(seed)
    model = _model(x.shape[1], len(datasets.TEXTURED_SHAPES), seed)
    initial = [np.linalg.norm(keras.ops.convert_to_numpy(kernel))
               for kernel in _scale_invariant_kernels(model)]
    model.compile(optimizer=_optimizer(name, learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=args.epochs,
                        batch_size=args.batch_size,
                        validation_data=(x_test, y_test), verbose=0)
    final = [np.linalg.norm(keras.ops.convert_to_numpy(kernel))
             for kernel in _scale_invariant_kernels(model)]
    return {"test_accuracy_by_epoch": history.history["val_accuracy"],
            "kernel_norm_growth": float(np.mean(np.divide(final, initial)))}


def sweep(seeds, args):
    """`{optimizer: {learning_rate: [per-seed accuracy curves]}}`."""
    curves = {name: {str(rate): [] for rate in args.learning_rates}
              for name in SWEPT}
    for seed in seeds:
        data = _data(seed, args)
        for name in SWEPT:
            for rate in args.learning_rates:
                run = _fit(name, rate, seed, data, args)
                curves[name][str(rate)].append(run["test_accuracy_by_epoch"])
                print(f"seed {seed} {name} lr {rate}: "
                      f"{run['test_accuracy_by_epoch'][-1]:.3f}")
    return {"test_accuracy_by_epoch": curves}


def projection(seeds, args):
    results = {name: {"kernel_norm_growth": [], "test_accuracy": []}
               for name in ("SGD", "SGDP")}
    for seed in seeds:
        data = _data(seed, args)
        for name in results:
            run = _fit(name, args.sgd_learning_rate, seed, data, args)
            results[name]["kernel_norm_growth"].append(
                run["kernel_norm_growth"])
            results[name]["test_accuracy"].append(
                run["test_accuracy_by_epoch"][-1])
            print(f"seed {seed} {name}: {run['kernel_norm_growth']:.3f}, "
                  f"{run['test_accuracy_by_epoch'][-1]:.3f}")
    return results


def build_parser():
    parser = _records.study_parser(__doc__.split("\n")[0], seeds=2,
                                   epochs=8)
    parser.add_argument("--learning-rates", type=float, nargs="+",
                        default=[3e-4, 3e-3, 3e-2])
    parser.add_argument("--sgd-learning-rate", type=float, default=0.05)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("optimizer_claims", args, argv)
    seeds = range(args.seeds)
    results = {"sweep": sweep(seeds, args),
               "projection": projection(seeds, args)}
    _records.finish(record, results)
    return results


if __name__ == "__main__":
    main()
