"""SAM's variants under label noise, beside plain SGD and SAM, over seeds.

GSAM, LookSAM and F-SAM each claim to generalize at least as well as SAM
(GSAM and F-SAM: better; LookSAM: as well, with fewer second passes). The
regime is the one where SAM's paper reports its largest gains: 40% of the
training labels flipped at random, scored on clean test labels (generated
textured shapes, the setting of the `label_noise` comparison of
`benchmarks.regimes`). Every variant trains the same MLP from the same
initialization with SGD and momentum, at the same rho.

    KERAS_BACKEND=jax python -m benchmarks.sam_variants --seeds 3
"""

import time

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes import datasets

VARIANTS = ("plain", "SAM", "GSAM", "LookSAM", "F-SAM")


def _mlp(seed, num_classes, image_size):
    initializer = keras.initializers.GlorotUniform
    return keras.Sequential([
        keras.Input((image_size, image_size, 1)),
        keras.layers.Flatten(),
        *(keras.layers.Dense(128, activation="relu",
                             kernel_initializer=initializer(seed=seed + i))
          for i in range(2)),
        keras.layers.Dense(num_classes,
                           kernel_initializer=initializer(seed=seed + 2)),
    ])


def _wrap(name, model, rho):
    if name == "plain":
        return model
    wrapper = {"SAM": kerastricks.models.SAM,
               "GSAM": kerastricks.models.GSAM,
               "LookSAM": kerastricks.models.LookSAM,
               "F-SAM": kerastricks.models.FriendlySAM}[name]
    return wrapper(model, rho=rho)


def label_noise(seeds, args):
    num_classes = len(datasets.TEXTURED_SHAPES)
    scores = {name: [] for name in VARIANTS}
    seconds = {name: 0.0 for name in VARIANTS}
    for seed in seeds:
        x, y = datasets.textured_shapes(args.train_size + args.test_size,
                                        seed=seed)
        x_train, x_test = x[:args.train_size], x[args.train_size:]
        y_train, y_test = y[:args.train_size], y[args.train_size:]
        y_noisy, _ = datasets.noisy_labels(y_train, args.noise, num_classes,
                                           seed=seed)
        for name in VARIANTS:
            keras.utils.set_random_seed(seed)
            model = _mlp(seed, num_classes, x.shape[1])
            trained = _wrap(name, model, args.rho)
            trained.compile(
                optimizer=keras.optimizers.SGD(args.learning_rate,
                                               momentum=0.9),
                loss=keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True))
            start = time.perf_counter()
            trained.fit(x_train, y_noisy, epochs=args.epochs,
                        batch_size=args.batch_size, verbose=0)
            seconds[name] += time.perf_counter() - start
            predicted = np.argmax(model.predict(x_test, verbose=0), axis=-1)
            scores[name].append(float(np.mean(predicted == y_test)))
            print(f"seed {seed} {name}: clean test acc {scores[name][-1]:.3f}")
    return {"scores": scores, "fit_seconds": seconds, "seeds": list(seeds),
            "metric": "clean test accuracy"}


def build_parser():
    parser = _records.study_parser(__doc__.split("\n")[0], seeds=3,
                                   epochs=20)
    parser.add_argument("--noise", type=float, default=0.4)
    parser.add_argument("--rho", type=float, default=0.1)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("sam_variants", args, argv)
    results = {"label_noise": label_noise(range(args.seeds), args)}
    _records.finish(record, results)
    return results


if __name__ == "__main__":
    main()
