"""Layer, callback and utility claims against their baselines, over seeds.

Small CPU experiments on generated data or scikit-learn's digits, each
against its baseline in the same run, a few minutes each:

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
  other sizes are resized to it (the warp that SPP avoids);
- `train_only_batchnorm`: a 4-layer CNN with BatchNorm trained with only
  BatchNorm's scale and shift, with as many randomly chosen other weights
  (BatchNorm frozen), and in full, against chance (1/6);
- `scale_learning_rate`: an MLP on scikit-learn's digits trained with SGD
  and with Adam for the same epochs at several batch sizes over a grid of
  learning rates (factors of 2); the exponent of the best rate (lowest
  final training loss) against the batch size should be near 1 for SGD
  and near 0.5 for Adam;
- `s4d`: recall over a long sequence (the class is a one-hot at the first
  of 512 noisy steps and must be read out at the last), an S4D block
  against a GRU of the same width trained the same epochs;
- `attentional_set_pooling`: sets of views of generated objects, half of
  the views uninformative, pooled by AttSets, by the mean and by the
  maximum after the same per-view encoder; trained on sets of 4 views,
  tested on sets of 2, 4 and 12;
- `independent_weight_decay`: a learning-rate sweep of an MLP on
  scikit-learn's digits with Adam and coupled decay (AdamW) against
  independent decay of the same strength at the middle rate; the LR
  sensitivity (`kerastricks.utils.lr_sensitivity`) of the validation loss
  should be lower with independent decay;
- `linear_mode_connectivity`: the test-loss barrier
  (`kerastricks.utils.interpolation_barrier`) between two MLPs trained
  from one initialization (a parent trained for some epochs, then two
  children with different data orders) against two trained from two
  initializations: the first pair should be linearly connected (a barrier
  near 0), the second not.

    KERAS_BACKEND=jax python -m benchmarks.component_claims --seeds 3
    KERAS_BACKEND=jax python -m benchmarks.component_claims \
        --only group_generalized_mean_pooling

With `--only`, the named experiments replace theirs in the existing record
and the others keep their results; every experiment's entry holds the
settings it ran with.
"""

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


def _batchnorm_cnn(seed, width):
    layers = [keras.Input((16, 16, 1))]
    for index in range(4):
        layers += [
            keras.layers.Conv2D(
                width, 3, padding="same", use_bias=False,
                strides=2 if index % 2 else 1,
                kernel_initializer=keras.initializers.HeNormal(
                    seed=seed + index)),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU()]
    layers += [keras.layers.GlobalAveragePooling2D(),
               keras.layers.Dense(NUM_CLASSES, kernel_initializer=(
                   keras.initializers.GlorotUniform(seed=seed + 10)))]
    return keras.Sequential(layers)


def _fit_entries(model, x, y, args, seed, entries=None):
    """Trains `model` in a loop of `train_on_batch` steps. `entries`:
    `(variables, masks)`, or None to train every trainable weight; with
    them only the chosen entries learn: after every update the others go
    back to their initial values, which with Adam's elementwise update
    equals training the chosen entries alone."""
    variables, masks = entries or ((), ())
    initial = [np.array(keras.ops.convert_to_numpy(variable))
               for variable in variables]
    rng = np.random.default_rng(seed)
    for _ in range(args.epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), args.batch_size):
            batch = order[start:start + args.batch_size]
            model.train_on_batch(x[batch], y[batch])
            for variable, mask, values in zip(variables, masks, initial):
                current = keras.ops.convert_to_numpy(variable)
                variable.assign(np.where(mask, current, values))


def _random_entries(model, count, seed):
    """Masks over the non-BatchNorm weights of `model` that select `count`
    entries uniformly at random; BatchNorm's scale and shift stay at their
    initial values."""
    batchnorm = {id(variable) for layer in model.layers
                 if isinstance(layer, keras.layers.BatchNormalization)
                 for variable in layer.trainable_weights}
    others = [variable for variable in model.trainable_weights
              if id(variable) not in batchnorm]
    sizes = [int(np.prod(variable.shape)) for variable in others]
    chosen = np.zeros(sum(sizes), bool)
    chosen[np.random.default_rng(seed).choice(sum(sizes), count,
                                              replace=False)] = True
    masks = np.split(chosen, np.cumsum(sizes)[:-1])
    masks = [mask.reshape(variable.shape)
             for mask, variable in zip(masks, others)]
    frozen = [variable for variable in model.trainable_weights
              if id(variable) in batchnorm]
    return others + frozen, masks + [np.zeros(variable.shape, bool)
                                     for variable in frozen]


def train_only_batchnorm(args):
    """Test accuracy per variant and seed, and the trained counts."""
    names = ("only BatchNorm", "random subset of equal size", "all weights")
    results = {name: [] for name in names}
    counts = {}
    for seed in range(args.seeds):
        x, y, x_test, y_test = _image_splits(args, seed)
        for name in names:
            keras.utils.set_random_seed(seed)
            model = _batchnorm_cnn(seed, args.batchnorm_width)
            entries = None
            batchnorm_count = sum(
                int(np.prod(variable.shape))
                for layer in model.layers
                if isinstance(layer, keras.layers.BatchNormalization)
                for variable in layer.trainable_weights)
            if name == "only BatchNorm":
                kerastricks.utils.train_only_batchnorm(model)
                counts[name] = sum(int(np.prod(variable.shape))
                                   for variable in model.trainable_weights)
            elif name == "random subset of equal size":
                entries = _random_entries(model, batchnorm_count, seed)
                counts[name] = batchnorm_count
            else:
                counts[name] = model.count_params() - sum(
                    int(np.prod(variable.shape))
                    for variable in model.non_trainable_weights)
            _compile(model, args.batchnorm_learning_rate)
            _fit_entries(model, x, y, args, seed, entries)
            results[name].append(_accuracy(model, x_test, y_test))
            print(f"seed {seed} {name}: test acc {results[name][-1]:.3f}")
    return {"test_accuracy": results, "trained_parameters": counts,
            "chance": 1 / NUM_CLASSES}


def _digits(seed):
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(x))
    return (x[order] / 16.0).astype("float32"), y[order].astype("int32")


SCALING_OPTIMIZERS = {"SGD": keras.optimizers.SGD,
                      "Adam": keras.optimizers.Adam}


def scale_learning_rate(args):
    """Final training loss per optimizer, batch size, learning rate and
    seed, and the fitted exponent of the best rate against the batch
    size."""
    grids = {"SGD": [2.0 ** k for k in range(-5, 2)],
             "Adam": [2.0 ** k for k in range(-10, -3)]}
    batch_sizes = args.scaling_batch_sizes
    losses = {name: {str(batch): {str(rate): [] for rate in grid}
                     for batch in batch_sizes}
              for name, grid in grids.items()}
    exponents = {name: [] for name in grids}
    for seed in range(args.seeds):
        x, y = _digits(seed)
        for name, grid in grids.items():
            best = []
            for batch in batch_sizes:
                finals = []
                for rate in grid:
                    keras.utils.set_random_seed(seed)
                    model = keras.Sequential([
                        keras.Input((64,)),
                        keras.layers.Dense(64, activation="relu"),
                        keras.layers.Dense(10)])
                    # Several steps per execution: the small batches would
                    # otherwise spend most of their time in Python.
                    model.compile(
                        optimizer=SCALING_OPTIMIZERS[name](rate),
                        loss=keras.losses.SparseCategoricalCrossentropy(
                            from_logits=True), steps_per_execution=16)
                    model.fit(x, y, epochs=args.scaling_epochs,
                              batch_size=batch, verbose=0)
                    loss = float(model.evaluate(x, y, verbose=0))
                    # A diverged run ranks last.
                    finals.append(loss if np.isfinite(loss) else np.inf)
                    losses[name][str(batch)][str(rate)].append(
                        loss if np.isfinite(loss) else None)
                best.append(grid[int(np.argmin(finals))])
            # Least-squares slope of log(best rate) against log(batch):
            # 1 for the linear rule, 0.5 for the square-root rule.
            slope = np.polyfit(np.log(batch_sizes), np.log(best), 1)[0]
            exponents[name].append(float(slope))
            print(f"seed {seed} {name}: best rates {best}, exponent "
                  f"{slope:.2f}")
    return {"final_train_loss": losses, "exponent": exponents,
            "batch_sizes": list(batch_sizes)}


RECALL_CLASSES = 4


def _recall_data(count, length, noise, seed):
    """The first step holds a one-hot class; every step carries Gaussian
    noise; the label is the first step's class, read at the last step."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, RECALL_CLASSES, count).astype("int32")
    x = rng.normal(0, noise, (count, length, RECALL_CLASSES))
    x[np.arange(count), 0, labels] += 1.0
    return x.astype("float32"), labels


def _sequence_model(name, length, units, seed):
    inputs = keras.Input((length, RECALL_CLASSES))
    if name == "S4D":
        hidden = keras.layers.Dense(units)(inputs)
        hidden = kerastricks.layers.S4D(state_size=units)(hidden)
        hidden = keras.layers.Activation("gelu")(hidden)
        hidden = keras.layers.Dense(units, activation="gelu")(hidden)
        last = hidden[:, -1]
    else:
        last = keras.layers.GRU(units, seed=seed)(inputs)
    return keras.Model(inputs, keras.layers.Dense(RECALL_CLASSES)(last))


def s4d(args):
    """Test accuracy per model and seed on first-step recall."""
    results = {"S4D": [], "GRU": []}
    for seed in range(args.seeds):
        x, y = _recall_data(args.recall_train + args.recall_test,
                            args.recall_length, args.recall_noise, seed)
        x_train, y_train = x[:args.recall_train], y[:args.recall_train]
        x_test, y_test = x[args.recall_train:], y[args.recall_train:]
        for name in results:
            keras.utils.set_random_seed(seed)
            model = _sequence_model(name, args.recall_length,
                                    args.recall_units, seed)
            _compile(model, args.recall_learning_rate)
            model.fit(x_train, y_train, epochs=args.recall_epochs,
                      batch_size=args.batch_size, verbose=0)
            results[name].append(_accuracy(model, x_test, y_test))
            print(f"seed {seed} {name}: test acc {results[name][-1]:.3f}")
    return {"test_accuracy": results, "chance": 1 / RECALL_CLASSES}


SET_CLASSES = 8
SET_FEATURES = 16


def _view_sets(count, size, prototypes, seed):
    """Sets of `size` views of an object of one of the classes: each view
    is, with even odds, the class prototype plus noise or an uninformative
    view (stronger noise only), as if occluded."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, SET_CLASSES, count).astype("int32")
    informative = rng.random((count, size, 1)) < 0.5
    clean = prototypes[labels][:, None] + rng.normal(
        0, 0.8, (count, size, SET_FEATURES))
    occluded = rng.normal(0, 1.5, (count, size, SET_FEATURES))
    return np.where(informative, clean, occluded).astype("float32"), labels


SET_POOLINGS = {
    "AttSets": kerastricks.layers.AttentionalSetPooling,
    "mean pooling": lambda: keras.layers.Lambda(
        lambda x: keras.ops.mean(x, axis=1)),
    "max pooling": lambda: keras.layers.Lambda(
        lambda x: keras.ops.max(x, axis=1)),
}


def attentional_set_pooling(args):
    """Test accuracy per pooling, test set size and seed."""
    results = {name: {str(size): [] for size in args.set_test_sizes}
               for name in SET_POOLINGS}
    for seed in range(args.seeds):
        prototypes = np.random.default_rng(seed).normal(
            0, 1, (SET_CLASSES, SET_FEATURES))
        x, y = _view_sets(args.set_train, args.set_train_size, prototypes,
                          seed + 1)
        tests = {size: _view_sets(args.set_test, size, prototypes,
                                  seed + 1000 + size)
                 for size in args.set_test_sizes}
        for name, pooling in SET_POOLINGS.items():
            keras.utils.set_random_seed(seed)
            views = keras.Input((None, SET_FEATURES))
            features = keras.layers.Dense(32, activation="relu")(views)
            pooled = pooling()(features)
            model = keras.Model(views, keras.layers.Dense(SET_CLASSES)(
                keras.layers.Dense(32, activation="relu")(pooled)))
            _compile(model, args.learning_rate)
            model.fit(x, y, epochs=args.set_epochs,
                      batch_size=args.batch_size, verbose=0)
            for size, (x_test, y_test) in tests.items():
                results[name][str(size)].append(
                    _accuracy(model, x_test, y_test))
            print(f"seed {seed} {name}: " + ", ".join(
                f"{size} views {runs[-1]:.3f}"
                for size, runs in results[name].items()))
    return {"test_accuracy": results, "train_set_size": args.set_train_size,
            "test_set_sizes": list(args.set_test_sizes)}


def _digits_mlp(seed):
    initializer = keras.initializers.GlorotUniform
    return keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(64, activation="relu",
                           kernel_initializer=initializer(seed=seed)),
        keras.layers.Dense(10, kernel_initializer=initializer(seed=seed + 1))])


def independent_weight_decay(args):
    """Final validation loss per decay, learning rate and seed, and the
    LR sensitivity of each sweep."""
    rates = args.decay_learning_rates
    # Equal decay per step at the reference rate: coupled decay removes
    # rate * weight_decay * w per step, independent decay its own λ.
    independent = args.coupled_weight_decay * args.decay_reference_rate

    def build_model(learning_rate, decay):
        model = _digits_mlp(0)
        if decay == "coupled":
            optimizer = keras.optimizers.AdamW(
                learning_rate, weight_decay=args.coupled_weight_decay)
        else:
            optimizer = kerastricks.optimizers.IndependentWeightDecay(
                keras.optimizers.Adam(learning_rate),
                weight_decay=independent)
        model.compile(optimizer=optimizer,
                      loss=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True))
        return model

    variants = {"coupled (AdamW)": {"decay": "coupled"},
                "independent": {"decay": "independent"}}
    sweeps = []
    for seed in range(args.seeds):
        x, y = _digits(seed)
        split = int(0.7 * len(x))
        sweep = kerastricks.utils.lr_sensitivity_sweep(
            build_model, rates, (x[:split], y[:split]),
            validation_data=(x[split:], y[split:]), variants=variants,
            epochs=args.decay_epochs, batch_size=args.batch_size, seed=seed)
        sweeps.append(sweep)
        print(f"seed {seed}: sensitivity {sweep['lr_sensitivity']}")
    return {"sweeps": sweeps, "independent_weight_decay": independent}


def linear_mode_connectivity(args):
    """Loss barriers between pairs of models trained from one shared,
    briefly trained initialization and from two initializations."""
    barriers = {"one initialization": [], "two initializations": []}
    for seed in range(args.seeds):
        x, y = _digits(seed)
        split = int(0.7 * len(x))
        train, test = (x[:split], y[:split]), (x[split:], y[split:])

        def trained(init_seed, order_seed, weights=None):
            keras.utils.set_random_seed(init_seed)
            model = _digits_mlp(init_seed)
            if weights is not None:
                model.set_weights(weights)
            model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                          loss=keras.losses.SparseCategoricalCrossentropy(
                              from_logits=True), metrics=["accuracy"])
            # The seed fixes the data order: the two children of one
            # parent differ only in their SGD noise.
            keras.utils.set_random_seed(order_seed)
            model.fit(*train, epochs=args.lmc_epochs, batch_size=32,
                      verbose=0)
            return model

        parent = trained(100 * seed, 100 * seed, None)
        shared = parent.get_weights()
        pairs = {
            "one initialization": (trained(100 * seed, 1, shared),
                                   trained(100 * seed, 2, shared)),
            "two initializations": (trained(100 * seed + 1, 1),
                                    trained(100 * seed + 2, 2))}
        for name, (first, second) in pairs.items():
            barrier = kerastricks.utils.interpolation_barrier(
                first, first.get_weights(), second.get_weights(), test)
            barriers[name].append(float(barrier["barrier"]))
        print(f"seed {seed}: barriers "
              f"{ {name: runs[-1] for name, runs in barriers.items()} }")
    return {"test_loss_barrier": barriers}


EXPERIMENTS = {
    "softmax_collapse_monitor": softmax_collapse_monitor,
    "group_generalized_mean_pooling": group_generalized_mean_pooling,
    "spatial_pyramid_pooling2d": spatial_pyramid_pooling2d,
    "train_only_batchnorm": train_only_batchnorm,
    "scale_learning_rate": scale_learning_rate,
    "s4d": s4d,
    "attentional_set_pooling": attentional_set_pooling,
    "independent_weight_decay": independent_weight_decay,
    "linear_mode_connectivity": linear_mode_connectivity,
}


def build_parser():
    parser = _records.experiments_parser(__doc__.split("\n")[0],
                                         EXPERIMENTS)
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
    parser.add_argument("--batchnorm-width", type=int, default=32)
    parser.add_argument("--batchnorm-learning-rate", type=float,
                        default=1e-2)
    parser.add_argument("--scaling-batch-sizes", type=int, nargs="+",
                        default=[8, 32, 128])
    parser.add_argument("--scaling-epochs", type=int, default=3)
    parser.add_argument("--recall-length", type=int, default=512)
    parser.add_argument("--recall-noise", type=float, default=0.05)
    parser.add_argument("--recall-units", type=int, default=32)
    parser.add_argument("--recall-train", type=int, default=1000)
    parser.add_argument("--recall-test", type=int, default=500)
    parser.add_argument("--recall-epochs", type=int, default=8)
    parser.add_argument("--recall-learning-rate", type=float,
                        default=3e-3)
    parser.add_argument("--set-train", type=int, default=3000)
    parser.add_argument("--set-test", type=int, default=1000)
    parser.add_argument("--set-train-size", type=int, default=4)
    parser.add_argument("--set-test-sizes", type=int, nargs="+",
                        default=[2, 4, 12])
    parser.add_argument("--set-epochs", type=int, default=10)
    parser.add_argument("--decay-learning-rates", type=float, nargs="+",
                        default=[3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1])
    parser.add_argument("--coupled-weight-decay", type=float, default=0.1)
    parser.add_argument("--decay-reference-rate", type=float, default=1e-2)
    parser.add_argument("--decay-epochs", type=int, default=5)
    parser.add_argument("--lmc-epochs", type=int, default=5)
    parser.add_argument("--spp-sizes", type=int, nargs="+",
                        default=[12, 16, 24])
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    return _records.run_experiments("component_claims", EXPERIMENTS,
                                    build_parser().parse_args(argv), argv)


if __name__ == "__main__":
    main()
