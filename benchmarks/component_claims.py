"""Layer, callback and utility claims against their baselines, over seeds.

Small CPU experiments on generated data, each against the baseline in the
same run:

- `softmax_collapse_monitor`: the grokking recipe's MLP on modular
  addition with softmax cross-entropy and AdamW, without and with weight
  decay. Without it the monitor should show Softmax Collapse (the fraction
  of training probe examples whose float32 softmax rounds to exactly one)
  and validation accuracy should stall; weight decay, the regularizer the
  claim names, should keep the collapse away. (The monitor reads the
  softmax of the logits; under StableMax cross-entropy the logits grow
  until that softmax rounds to one too, so StableMax is no baseline for
  this diagnostic);
- `group_generalized_mean_pooling`: a small CNN on generated textured
  shapes with global average pooling, plain GeM (one group) and GGeM
  (several groups) as its pooling head;
- `spatial_pyramid_pooling2d`: one CNN with spatial pyramid pooling trained
  on images of several sizes and tested at each size, against the same
  CNN with a flattening head trained at one size, whose test images of
  other sizes are resized to it (the warp that SPP avoids).

    KERAS_BACKEND=jax python -m benchmarks.component_claims --seeds 3
    KERAS_BACKEND=jax python -m benchmarks.component_claims \
        --only group_generalized_mean_pooling
"""

import argparse
import json

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes import datasets
from kerastricks.recipes.grokking.grokking import FullBatchSteps
from kerastricks.recipes.grokking.grokking import GrokkingRecipe

NUM_CLASSES = len(datasets.TEXTURED_SHAPES)


def _grokking_values(weight_decay, hidden_units):
    return {"model": "mlp", "loss": "softmax_cross_entropy",
            "orthograd": False, "optimizer": "adamw", "precision": "float32",
            "learning_rate": 0.01, "weight_decay": weight_decay,
            "adamw_beta_2": 0.99, "adamw_epsilon": 1e-8,
            "mlp_hidden_units": hidden_units}


def softmax_collapse_monitor(args):
    """Collapse fraction and validation accuracy per evaluation, with and
    without weight decay, per seed."""
    recipe = GrokkingRecipe(modulus=args.modulus,
                            steps_per_epoch=args.grokking_eval_every)
    epochs = args.grokking_steps // args.grokking_eval_every
    results = {}
    for name, weight_decay in (("no weight decay", 0.0),
                               ("weight decay", args.weight_decay)):
        runs = results[name] = {"softmax_collapse": [],
                                "zero_loss_fraction": [],
                                "val_accuracy": [], "train_accuracy": []}
        for seed in range(args.seeds):
            data = recipe.default_data(seed)
            x, y = data["train"]
            keras.utils.set_random_seed(seed)
            model = recipe.build_model(
                _grokking_values(weight_decay, args.grokking_hidden_units))
            # Warns under softmax by design: the collapse is the measurement.
            monitor = kerastricks.callbacks.SoftmaxCollapseMonitor(
                (x[:args.probe_size], y[:args.probe_size]),
                warn_above=1.0, measure_alignment=False)
            history = model.fit(
                FullBatchSteps(x, y), epochs=epochs,
                steps_per_epoch=args.grokking_eval_every, shuffle=False,
                validation_data=data["validation"], verbose=0,
                callbacks=[monitor]).history
            runs["softmax_collapse"].append(
                [float(v) for v in history["softmax_collapse"]])
            runs["zero_loss_fraction"].append(
                [float(v) for v in history["zero_loss_fraction"]])
            runs["val_accuracy"].append(
                [float(v) for v in history["val_accuracy"]])
            runs["train_accuracy"].append(
                [float(v) for v in history["accuracy"]])
            print(f"seed {seed} {name}: collapse "
                  f"{max(runs['softmax_collapse'][-1]):.3f} (peak), val acc "
                  f"{runs['val_accuracy'][-1][-1]:.3f}")
    return {"runs": results,
            "steps": [args.grokking_eval_every * (epoch + 1)
                      for epoch in range(epochs)]}


def _image_splits(args, seed, image_size=16):
    x, y = datasets.textured_shapes(args.train_size + args.test_size,
                                    image_size=image_size, seed=seed)
    return (x[:args.train_size], y[:args.train_size],
            x[args.train_size:], y[args.train_size:])


def _conv_features(seed, size=None):
    initializer = keras.initializers.HeUniform
    return [
        keras.Input((size, size, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed)),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed + 1))]


def _accuracy(model, x, y):
    predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
    return float(np.mean(predicted == y))


def _compile(model, learning_rate):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))


POOLING_HEADS = {
    "global average pooling": keras.layers.GlobalAveragePooling2D,
    "GeM (one group)": lambda: (
        kerastricks.layers.GroupGeneralizedMeanPooling(groups=1)),
    "GGeM (8 groups)": lambda: (
        kerastricks.layers.GroupGeneralizedMeanPooling(groups=8)),
}


def group_generalized_mean_pooling(args):
    """Test accuracy per pooling head and seed."""
    results = {name: [] for name in POOLING_HEADS}
    for seed in range(args.seeds):
        x, y, x_test, y_test = _image_splits(args, seed)
        for name, head in POOLING_HEADS.items():
            keras.utils.set_random_seed(seed)
            model = keras.Sequential(_conv_features(seed, 16) + [
                head(), keras.layers.Dense(NUM_CLASSES)])
            _compile(model, args.learning_rate)
            model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size,
                      verbose=0)
            results[name].append(_accuracy(model, x_test, y_test))
            print(f"seed {seed} {name}: test acc {results[name][-1]:.3f}")
    return {"test_accuracy": results}


def _resize(x, size):
    if x.shape[1] == size:
        return x
    return np.asarray(keras.ops.convert_to_numpy(
        keras.ops.image.resize(x, (size, size))))


def spatial_pyramid_pooling2d(args):
    """Test accuracy per image size, per model and seed."""
    sizes = args.spp_sizes
    fixed = sizes[len(sizes) // 2]
    names = ("SPP, trained at all sizes", "flatten, trained at one size")
    results = {name: {str(size): [] for size in sizes} for name in names}
    for seed in range(args.seeds):
        splits = {size: _image_splits(args, seed + 100 * size, size)
                  for size in sizes}
        keras.utils.set_random_seed(seed)
        spp = keras.Sequential(_conv_features(seed) + [
            kerastricks.layers.SpatialPyramidPooling2D(bins=(1, 2, 4)),
            keras.layers.Dense(NUM_CLASSES)])
        _compile(spp, args.learning_rate)
        # The paper's multi-size training: whole epochs alternate sizes,
        # with the same weights, for the same number of updates as the
        # fixed-size model (each epoch sees one size's training set).
        for epoch in range(args.epochs):
            x, y, _, _ = splits[sizes[epoch % len(sizes)]]
            spp.fit(x, y, epochs=1, batch_size=args.batch_size, verbose=0)
        keras.utils.set_random_seed(seed)
        flat = keras.Sequential(_conv_features(seed, fixed) + [
            keras.layers.Flatten(), keras.layers.Dense(NUM_CLASSES)])
        _compile(flat, args.learning_rate)
        # The fixed-size model sees every size's training images, warped
        # to its input size, so both models train on the same examples.
        x_all = np.concatenate([_resize(splits[size][0], fixed)
                                for size in sizes])
        y_all = np.concatenate([splits[size][1] for size in sizes])
        flat.fit(x_all, y_all, epochs=-(-args.epochs // len(sizes)),
                 batch_size=args.batch_size, verbose=0)
        for size in sizes:
            _, _, x_test, y_test = splits[size]
            results[names[0]][str(size)].append(
                _accuracy(spp, x_test, y_test))
            results[names[1]][str(size)].append(
                _accuracy(flat, _resize(x_test, fixed), y_test))
        print(f"seed {seed}: " + json.dumps(
            {name: {size: runs[-1] for size, runs in by_size.items()}
             for name, by_size in results.items()}))
    return {"test_accuracy": results, "sizes": list(sizes),
            "fixed_size": fixed}


EXPERIMENTS = {
    "softmax_collapse_monitor": softmax_collapse_monitor,
    "group_generalized_mean_pooling": group_generalized_mean_pooling,
    "spatial_pyramid_pooling2d": spatial_pyramid_pooling2d,
}


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(EXPERIMENTS),
                        default=list(EXPERIMENTS),
                        help="run these experiments (default: all); the "
                             "others keep their results of the previous "
                             "record")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--modulus", type=int, default=53)
    parser.add_argument("--grokking-steps", type=int, default=3000)
    parser.add_argument("--grokking-eval-every", type=int, default=250)
    parser.add_argument("--grokking-hidden-units", type=int, default=128)
    parser.add_argument("--weight-decay", type=float, default=1.0)
    parser.add_argument("--probe-size", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--train-size", type=int, default=1200)
    parser.add_argument("--test-size", type=int, default=600)
    parser.add_argument("--spp-sizes", type=int, nargs="+",
                        default=[12, 16, 24])
    _records.add_arguments(parser)
    return parser


def _previous_results(args):
    path = _records.record_path("component_claims", keras.config.backend(),
                                args.results_folder)
    if not path.exists():
        return {}
    return json.loads(path.read_text()).get("results", {})


def main(argv=None):
    args = build_parser().parse_args(argv)
    results = _previous_results(args)
    record = _records.start("component_claims", args, argv)
    # Each experiment keeps the settings it ran with: a record merges the
    # latest run of every experiment.
    settings = {key: value for key, value in record["settings"].items()
                if key != "only"}
    for name in args.only:
        results[name] = dict(EXPERIMENTS[name](args), settings=settings)
    _records.finish(record, results)
    return results


if __name__ == "__main__":
    main()
