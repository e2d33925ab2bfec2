"""Wrappers that make a model exactly invariant, against the bare model.

- `FrameAveraging` (Puny et al., 2022): averaging a point-cloud encoder over
  its input's PCA frames makes it invariant to rotations, reflections and
  translations. Point clouds of three shapes (box surface, ellipsoid
  surface, cylinder surface with distinct axis lengths) are classified by a
  DeepSets encoder trained on clouds in their canonical pose, then tested on
  randomly rotated and translated copies of the test clouds.
- `RotationViewPooling` (Dieleman et al., 2015): averaging a model over the
  8 rotations and flips of a square image makes it invariant to them. An
  MLP on generated textured shapes is trained on upright images and tested
  on the test images under a random one of the 8 transforms.

For each wrapper and seed: the largest change of the output under the
transforms (untrained and trained), and the test accuracy on transformed
inputs, beside the bare model trained the same way.

    KERAS_BACKEND=jax python -m benchmarks.invariance --seeds 3
"""

import argparse

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes import datasets

SHAPES = ("box", "ellipsoid", "cylinder")
AXES = np.array([3.0, 2.0, 1.0])  # distinct: the PCA frame is well defined


def _surface_points(shape, points, rng):
    if shape == "box":
        unit = rng.uniform(-1, 1, (points, 3))
        face = rng.integers(0, 3, points)
        unit[np.arange(points), face] = rng.choice([-1.0, 1.0], points)
    elif shape == "ellipsoid":
        unit = rng.normal(size=(points, 3))
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    else:
        angle = rng.uniform(0, 2 * np.pi, points)
        unit = np.stack([rng.uniform(-1, 1, points), np.cos(angle),
                         np.sin(angle)], axis=1)
    return unit * AXES + rng.normal(scale=0.02, size=(points, 3))


def point_clouds(count, points, rng):
    labels = rng.integers(0, len(SHAPES), count)
    clouds = np.stack([_surface_points(SHAPES[label], points, rng)
                       for label in labels])
    return clouds.astype("float32"), labels


def random_rigid_motions(clouds, rng):
    """Each cloud under its own random orthogonal map and translation."""
    moved = np.empty_like(clouds)
    for i, cloud in enumerate(clouds):
        rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        moved[i] = cloud @ rotation + rng.normal(scale=2.0, size=3)
    return moved.astype("float32")


def dihedral(images, index):
    """The `index`-th (0-7) rotation/flip of `(batch, h, w, c)` images."""
    turned = np.rot90(images, k=index % 4, axes=(1, 2))
    return np.ascontiguousarray(turned[:, :, ::-1] if index >= 4 else turned)


def _deep_sets(points, classes):
    return keras.Sequential([
        keras.Input((points, 3)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.GlobalMaxPooling1D(),
        keras.layers.Dense(classes)])


def _image_mlp(size, classes):
    return keras.Sequential([
        keras.Input((size, size, 1)), keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(classes)])


def _train(model, x, y, args):
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size,
              verbose=0)


def _accuracy(model, x, y):
    return float(np.mean(np.argmax(model.predict(x, verbose=0), -1) == y))


def _largest_change(model, x, transformed):
    reference = model.predict(x, verbose=0)
    return max(float(np.max(np.abs(model.predict(t, verbose=0) - reference)))
               for t in transformed)


def frame_averaging(seed, args):
    rng = np.random.default_rng(seed)
    x, y = point_clouds(args.train_size + args.test_size, args.points, rng)
    x_train, y_train = x[:args.train_size], y[:args.train_size]
    x_test, y_test = x[args.train_size:], y[args.train_size:]
    moved = [random_rigid_motions(x_test, rng) for _ in range(3)]
    result = {}
    for name in ("bare", "FrameAveraging"):
        keras.utils.set_random_seed(seed)
        model = _deep_sets(args.points, len(SHAPES))
        if name == "FrameAveraging":
            model = keras.Sequential([
                keras.Input((args.points, 3)),
                kerastricks.layers.FrameAveraging(model)])
        untrained = _largest_change(model, x_test, moved)
        _train(model, x_train, y_train, args)
        result[name] = {
            "untrained_output_change": untrained,
            "trained_output_change": _largest_change(model, x_test, moved),
            "test_accuracy": _accuracy(model, x_test, y_test),
            "moved_test_accuracy": _accuracy(model, moved[0], y_test)}
    return result


def rotation_view_pooling(seed, args):
    x, y = datasets.textured_shapes(args.train_size + args.test_size,
                                    seed=seed)
    x = x.astype("float32")
    x_train, y_train = x[:args.train_size], y[:args.train_size]
    x_test, y_test = x[args.train_size:], y[args.train_size:]
    rng = np.random.default_rng(seed)
    choice = rng.integers(0, 8, len(x_test))
    turned_test = np.stack([dihedral(x_test[i:i + 1], k)[0]
                            for i, k in enumerate(choice)])
    transforms = [dihedral(x_test, k) for k in range(1, 8)]
    classes = len(datasets.TEXTURED_SHAPES)
    result = {}
    for name in ("bare", "RotationViewPooling"):
        keras.utils.set_random_seed(seed)
        model = _image_mlp(x.shape[1], classes)
        if name == "RotationViewPooling":
            model = keras.Sequential([
                keras.Input(x.shape[1:]),
                kerastricks.layers.RotationViewPooling(model)])
        untrained = _largest_change(model, x_test, transforms)
        _train(model, x_train, y_train, args)
        result[name] = {
            "untrained_output_change": untrained,
            "trained_output_change": _largest_change(model, x_test,
                                                     transforms),
            "test_accuracy": _accuracy(model, x_test, y_test),
            "moved_test_accuracy": _accuracy(model, turned_test, y_test)}
    return result


EXPERIMENTS = {"frame_averaging": frame_averaging,
               "rotation_view_pooling": rotation_view_pooling}


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--train-size", type=int, default=1200)
    parser.add_argument("--test-size", type=int, default=300)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("invariance", args, argv)
    results = {}
    for name, experiment in EXPERIMENTS.items():
        per_seed = [experiment(seed, args) for seed in range(args.seeds)]
        results[name] = {
            variant: {key: [run[variant][key] for run in per_seed]
                      for key in per_seed[0][variant]}
            for variant in per_seed[0]}
        print(name, results[name])
    _records.finish(record, results)
    return results


if __name__ == "__main__":
    main()
