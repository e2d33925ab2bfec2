"""Diagnostic tools' claims against their baselines, over seeds.

Small CPU experiments on generated data or scikit-learn's digits, each
against its baseline in the same run, a few minutes each:

- `saliency`: images whose class is decided only by a small patterned
  patch at a random place on a noisy background, with an uninformative
  bright blob elsewhere; a small CNN is trained on them, then Grad-CAM
  and NormGrad (at the last convolution) and the absolute input gradient
  are scored by the pointing game (the map's largest pixel inside the
  patch, one pixel of tolerance) and by the share of the map's mass in
  the patch; a random map is the chance level;
- `nero_evaluation`: one CNN trained on upright generated shapes and the
  same CNN trained with random rotations (five of the six shapes: the
  square turned by 45 degrees is the diamond); the spread of the NERO
  accuracy curve over a full turn should be large for the plain model
  and small for the augmented one while their accuracy on upright test
  images is close; and the accuracy of the orbit consensus against the
  true labels, compared with the model's accuracy at one orbit point;
- `instability_monitors`: a one-block Transformer (Keras attention,
  pre-LayerNorm, no qk-layernorm) on a next-token task, trained with Adam
  at a low and a high learning rate; the largest attention logit and the
  output log Z logged by `InstabilityMonitor` should grow at the high
  rate, and its loss stay higher;
- `opposing_signals_monitor`: four weakly separated classes where two
  small groups of two classes share one large feature (an opposing
  signal), trained by full-batch gradient descent at a large step; the
  step-to-step loss changes of the two groups of the monitor's top pair
  should be anti-correlated, more than those of random groups of the
  same size in the same run, and more than those of the top pair of a
  run on the same data without the planted feature;
- `three_regime_pruning`: an MLP on digits trained densely with SGD at a
  low and a high learning rate (the temperature) from two
  initializations, each magnitude-pruned to a low and a high density (the
  load) and retrained; the regime of each cell is read off the two
  copies, and that of the low-temperature cell says whether to raise the
  temperature; the pruned accuracy at the advised temperature is compared
  with that at the other one, and with that of one temperature for every
  density (the better one in hindsight), which only an advice that
  changes with the load can beat.

    KERAS_BACKEND=jax python -m benchmarks.diagnostic_claims --seeds 3
    KERAS_BACKEND=jax python -m benchmarks.diagnostic_claims --only saliency

With `--only`, the named experiments replace theirs in the existing record
and the others keep their results; every experiment's entry holds the
settings it ran with.
"""


import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes import datasets

# The planted patterns of the saliency images, one per class: horizontal
# bars, vertical bars and a checkerboard, all of zero mean.
_PATCH_PATTERNS = (
    np.array([[1, 1, 1, 1], [-1, -1, -1, -1]] * 2, "float32"),
    np.array([[1, -1, 1, -1]] * 4, "float32"),
    np.array([[1, -1] * 2, [-1, 1] * 2] * 2, "float32"),
)


def _place(rng, size, patch, avoid=None):
    while True:
        row, col = rng.integers(0, size - patch + 1, size=2)
        if avoid is None or (abs(row - avoid[0]) >= patch
                             or abs(col - avoid[1]) >= patch):
            return row, col


def planted_patches(num_examples, seed, size=16, noise=0.5):
    """Images `(n, size, size, 1)`, labels and the mask of each image's
    planted patch (the only evidence of its class)."""
    rng = np.random.default_rng(seed)
    patch = _PATCH_PATTERNS[0].shape[0]
    labels = rng.permutation(np.arange(num_examples) % len(_PATCH_PATTERNS))
    x = rng.normal(0.0, noise, (num_examples, size, size)).astype("float32")
    masks = np.zeros_like(x, dtype=bool)
    for index, label in enumerate(labels):
        row, col = _place(rng, size, patch)
        x[index, row:row + patch, col:col + patch] += _PATCH_PATTERNS[label]
        masks[index, row:row + patch, col:col + patch] = True
        # A bright blob the class does not depend on.
        blob_row, blob_col = _place(rng, size, patch, avoid=(row, col))
        x[index, blob_row:blob_row + patch, blob_col:blob_col + patch] += 1.5
    return x[..., None], labels.astype("int32"), masks


def _dilate(masks):
    """Each mask grown by one pixel (the pointing game's tolerance)."""
    padded = np.pad(masks, ((0, 0), (1, 1), (1, 1)))
    size = masks.shape[1]
    return np.any([padded[:, r:r + size, c:c + size]
                   for r in range(3) for c in range(3)], axis=0)


def _upsample(maps, size):
    factor = size // maps.shape[1]
    return np.repeat(np.repeat(maps, factor, axis=1), factor, axis=2)


def localization_scores(maps, masks):
    """Pointing-game hit rate and the share of the map's mass inside the
    (dilated) masks; `maps` non-negative, at the masks' resolution."""
    targets = _dilate(masks)
    flat = maps.reshape(len(maps), -1)
    hits = targets.reshape(len(maps), -1)[np.arange(len(maps)),
                                          np.argmax(flat, axis=1)]
    mass = (flat * targets.reshape(len(maps), -1)).sum(axis=1) / np.maximum(
        flat.sum(axis=1), 1e-12)
    return float(np.mean(hits)), float(np.mean(mass))


def _saliency_cnn(seed):
    initializer = keras.initializers.HeUniform
    return keras.Sequential([
        keras.Input((16, 16, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed + 1)),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed + 2),
                            name="last_conv"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(len(_PATCH_PATTERNS))])


def _compile(model, optimizer):
    model.compile(optimizer=optimizer, loss=keras.losses.
                  SparseCategoricalCrossentropy(from_logits=True))


def _accuracy(model, x, y):
    predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
    return float(np.mean(predicted == y))


SALIENCY_MAPS = ("Grad-CAM", "NormGrad", "input gradient", "random map")


def saliency(args):
    """Pointing-game hit rate and mass in the patch per map and seed."""
    hits = {name: [] for name in SALIENCY_MAPS}
    mass = {name: [] for name in SALIENCY_MAPS}
    accuracy = []
    for seed in range(args.seeds):
        x, y, _ = planted_patches(args.saliency_train, seed)
        x_test, y_test, masks = planted_patches(args.saliency_test,
                                                10_000 + seed)
        keras.utils.set_random_seed(seed)
        model = _saliency_cnn(seed)
        _compile(model, keras.optimizers.Adam(args.saliency_learning_rate))
        model.fit(x, y, epochs=args.saliency_epochs, batch_size=64,
                  verbose=0)
        accuracy.append(_accuracy(model, x_test, y_test))
        utils = kerastricks.utils
        # Each map explains the true class, the evidence that was planted.
        maps = {
            "Grad-CAM": utils.grad_cam(model, x_test, "last_conv",
                                       target_class=y_test),
            "NormGrad": utils.norm_grad(model, x_test, "last_conv",
                                        target_class=y_test),
            "input gradient": np.abs(utils.input_gradient_saliency(
                model, x_test, target_class=y_test)).max(axis=-1),
            # Chance: a random pixel, mass spread evenly.
            "random map": np.random.default_rng(seed).uniform(
                0.0, 1.0, masks.shape),
        }
        for name, values in maps.items():
            values = _upsample(np.asarray(values, "float32"), masks.shape[1])
            hit_rate, share = localization_scores(values, masks)
            hits[name].append(hit_rate)
            mass[name].append(share)
        print(f"seed {seed}: test acc {accuracy[-1]:.3f}, pointing "
              f"{ {name: round(runs[-1], 3) for name, runs in hits.items()} }")
    return {"pointing_game": hits, "mass_in_patch": mass,
            "test_accuracy": accuracy}


# The square turned by 45 degrees is the diamond: rotations would make
# the two classes one.
_ROTATABLE = [index for index, name in enumerate(datasets.TEXTURED_SHAPES)
              if name != "diamond"]


def _rotatable_shapes(num_examples, seed):
    x, y = datasets.textured_shapes(2 * num_examples, image_size=16,
                                    seed=seed)
    keep = np.isin(y, _ROTATABLE)
    x, y = x[keep][:num_examples], y[keep][:num_examples]
    return x, np.searchsorted(_ROTATABLE, y).astype("int32")


def _shape_cnn(seed, augment):
    initializer = keras.initializers.HeUniform
    layers = [keras.Input((16, 16, 1))]
    if augment:
        layers.append(keras.layers.RandomRotation(
            0.5, fill_mode="constant", seed=seed))
    return keras.Sequential(layers + [
        keras.layers.Conv2D(16, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed)),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed + 1)),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed + 2)),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(len(_ROTATABLE))])


NERO_MODELS = {"plain": False, "rotation-augmented": True}


def nero_evaluation(args):
    """Per model and seed: the NERO accuracy curve over a full turn, the
    upright accuracy and the consensus accuracy."""
    angles = list(range(0, 360, args.nero_step))
    results = {name: {"curve": [], "upright_accuracy": [], "spread": [],
                      "orbit_mean_accuracy": [], "consensus_accuracy": []}
               for name in NERO_MODELS}
    for seed in range(args.seeds):
        x, y = _rotatable_shapes(args.nero_train, seed)
        x_test, y_test = _rotatable_shapes(args.nero_test, 10_000 + seed)
        for name, augment in NERO_MODELS.items():
            keras.utils.set_random_seed(seed)
            model = _shape_cnn(seed, augment)
            _compile(model, keras.optimizers.Adam(args.nero_learning_rate))
            model.fit(x, y, epochs=args.nero_epochs, batch_size=64,
                      verbose=0)
            scored = kerastricks.utils.nero_evaluation(
                model, x_test, y_test, orbit=angles, from_logits=True,
                batch_size=256)
            unlabeled = kerastricks.utils.nero_evaluation(
                model, x_test, orbit=angles, from_logits=True,
                batch_size=256)
            curve = [float(value) for value in scored["accuracy"]]
            runs = results[name]
            runs["curve"].append(curve)
            runs["upright_accuracy"].append(curve[0])
            runs["spread"].append(max(curve) - min(curve))
            runs["orbit_mean_accuracy"].append(float(np.mean(curve)))
            runs["consensus_accuracy"].append(
                float(np.mean(unlabeled["labels"] == y_test)))
            print(f"seed {seed} {name}: upright {curve[0]:.3f}, spread "
                  f"{runs['spread'][-1]:.3f}, consensus "
                  f"{runs['consensus_accuracy'][-1]:.3f}")
    return {"runs": results, "angles": angles,
            "chance": 1 / len(_ROTATABLE)}


def _next_token_data(num_sequences, length, vocabulary, seed):
    """Random tokens; the target at each position is the token two
    positions back (0 before it), which only attention can fetch."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocabulary, size=(num_sequences, length))
    y = np.concatenate([np.zeros((num_sequences, 2), x.dtype), x[:, :-2]],
                       axis=1)
    return x.astype("int32"), y.astype("int32")


def _tiny_transformer(length, vocabulary, width):
    tokens = keras.Input((length,), dtype="int32")
    positions = keras.ops.arange(length)
    h = (keras.layers.Embedding(vocabulary, width)(tokens)
         + keras.layers.Embedding(length, width)(positions))
    normed = keras.layers.LayerNormalization()(h)
    h = h + keras.layers.MultiHeadAttention(
        2, width // 2, name="attention")(normed, normed,
                                          use_causal_mask=True)
    normed = keras.layers.LayerNormalization()(h)
    h = h + keras.layers.Dense(width)(
        keras.layers.Dense(2 * width, activation="relu")(normed))
    return keras.Model(tokens, keras.layers.Dense(vocabulary,
                                                  name="logits")(h))


def instability_monitors(args):
    """Per learning rate and seed: the curves of the largest attention
    logit, the output log Z and the training loss, per epoch."""
    results = {}
    for rate in args.instability_learning_rates:
        runs = results[str(rate)] = {"max_attention_logit": [],
                                     "output_log_z": [], "loss": []}
        for seed in range(args.seeds):
            x, y = _next_token_data(args.instability_sequences,
                                    args.instability_length,
                                    args.instability_vocabulary, seed)
            keras.utils.set_random_seed(seed)
            model = _tiny_transformer(args.instability_length,
                                      args.instability_vocabulary,
                                      args.instability_width)
            _compile(model, keras.optimizers.Adam(rate))
            monitor = kerastricks.callbacks.InstabilityMonitor(x[:32])
            history = model.fit(x, y, epochs=args.instability_epochs,
                                batch_size=32, verbose=0,
                                callbacks=[monitor]).history
            for key, log in (("max_attention_logit",
                              "max_attention_logit/attention"),
                             ("output_log_z", "output_log_z"),
                             ("loss", "loss")):
                runs[key].append([float(value) for value in history[log]])
            print(f"seed {seed} rate {rate}: peak attention logit "
                  f"{max(runs['max_attention_logit'][-1]):.1f}, final "
                  f"log Z {runs['output_log_z'][-1][-1]:.2f}, final loss "
                  f"{runs['loss'][-1][-1]:.3f}")
    steps = args.instability_sequences // 32
    return {"runs": results,
            "steps": [steps * (epoch + 1)
                      for epoch in range(args.instability_epochs)]}


OPPOSING_GROUP_SIZE = 16


def opposing_data(planted, seed, num_examples=384, features=8, classes=4):
    """Four weakly separated classes; with `planted`, 16 examples of class
    0 and 16 of class 1 share one large extra feature pointing to class 0
    in one group and to class 1 in the other."""
    rng = np.random.default_rng(seed)
    y = np.arange(num_examples) % classes
    centres = rng.normal(size=(classes, features))
    x = 0.7 * centres[y] + rng.normal(size=(num_examples, features))
    x = np.concatenate([x, np.zeros((num_examples, 1))], axis=1)
    groups = [np.flatnonzero(y == label)[:OPPOSING_GROUP_SIZE]
              for label in (0, 1)]
    if planted:
        x[np.concatenate(groups), -1] = 12.0
    return x.astype("float32"), y.astype("int32"), groups


class _ProbeLosses(keras.callbacks.Callback):
    """Every example's loss before training and after each step."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y
        self.losses = []

    def _record(self):
        logits = self.model.predict(self.x, batch_size=len(self.x),
                                    verbose=0)
        self.losses.append(np.asarray(keras.ops.convert_to_numpy(
            keras.losses.sparse_categorical_crossentropy(
                self.y, logits, from_logits=True))))

    def on_train_begin(self, logs=None):
        self._record()

    def on_train_batch_end(self, batch, logs=None):
        self._record()


def anti_correlation(losses, first, second):
    """Minus the correlation of two groups' mean loss changes from step to
    step (1: they always move in opposite directions)."""
    changes = np.diff(np.asarray(losses), axis=0)
    return float(-np.corrcoef(changes[:, list(first)].mean(axis=1),
                              changes[:, list(second)].mean(axis=1))[0, 1])


def _opposing_run(args, planted, seed):
    x, y, groups = opposing_data(planted, seed)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((x.shape[1],)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(4)])
    # Full-batch gradient descent at a large step, as in the paper.
    _compile(model, keras.optimizers.SGD(args.opposing_learning_rate))
    monitor = kerastricks.callbacks.OpposingSignalsMonitor(
        (x, y), top_k=args.opposing_top_k)
    losses = _ProbeLosses(x, y)
    model.fit(x, y, epochs=args.opposing_steps, batch_size=len(x),
              shuffle=False, verbose=0, callbacks=[monitor, losses])
    top = monitor.report()["pairs"][0]
    found = [top["groups"][side]["indices"] for side in (0, 1)]
    rng = np.random.default_rng(seed)
    random_pairs = []
    for _ in range(args.opposing_random_pairs):
        chosen = rng.permutation(len(x))[:len(found[0]) + len(found[1])]
        random_pairs.append(anti_correlation(
            losses.losses, chosen[:len(found[0])], chosen[len(found[0]):]))
    planted_members = set(np.concatenate(groups).tolist())
    return {"top_pair": anti_correlation(losses.losses, *found),
            "random_groups": float(np.mean(random_pairs)),
            "top_pair_planted_share": float(np.mean(
                [index in planted_members for side in found
                 for index in side])),
            "top_pair_sizes": [len(side) for side in found],
            "top_pair_swaps": top["swaps"],
            "peak_strength": max(check["strength"]
                                 for check in monitor.history)}


def opposing_signals_monitor(args):
    """Per run (planted feature or not) and seed: the anti-correlation of
    the monitor's top pair and of random groups of the same sizes."""
    results = {}
    for name, planted in (("planted", True), ("no planted feature", False)):
        runs = results[name] = {}
        for seed in range(args.seeds):
            for key, value in _opposing_run(args, planted, seed).items():
                runs.setdefault(key, []).append(value)
            print(f"seed {seed} {name}: top pair "
                  f"{runs['top_pair'][-1]:.3f}, random "
                  f"{runs['random_groups'][-1]:.3f}, planted share "
                  f"{runs['top_pair_planted_share'][-1]:.2f}")
    return {"runs": results, "group_size": OPPOSING_GROUP_SIZE,
            "probe_size": 384}


def _pruning_mlp():
    return keras.Sequential([
        keras.Input((64,)),
        kerastricks.layers.PrunedDense(64, activation="relu"),
        kerastricks.layers.PrunedDense(10)])


def _digits(seed):
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = (x[order] / 16.0).astype("float32"), y[order].astype("int32")
    return x[:1200], y[:1200], x[1200:], y[1200:]


def _prune(model, density):
    for layer in model.layers:
        mask = kerastricks.ops.magnitude_pruning_mask(
            keras.ops.abs(layer.kernel), layer.kernel_mask,
            sparsity=1.0 - density)
        layer.kernel_mask.assign(mask)


def three_regime_pruning(args):
    """Per seed: each (temperature, density) cell's regime, barrier,
    similarity and pruned test accuracy, and the accuracy at the advised
    and at the other temperature per density."""
    low, high = args.pruning_temperatures
    cells, advised, other = [], [], []
    for seed in range(args.seeds):
        x, y, x_test, y_test = _digits(seed)
        copies = {}
        # Two dense networks per temperature, from two initializations and
        # data orders, each pruned to every density and retrained.
        for temperature in (low, high):
            for copy in (1, 2):
                keras.utils.set_random_seed(100 * seed + copy)
                model = _pruning_mlp()
                _compile(model, keras.optimizers.SGD(temperature))
                model.fit(x, y, epochs=args.pruning_epochs, batch_size=32,
                          verbose=0)
                trained = model.get_weights()
                for density in args.pruning_densities:
                    model.set_weights(trained)
                    _prune(model, density)
                    _compile(model, keras.optimizers.SGD(
                        args.pruning_retrain_learning_rate))
                    model.fit(x, y, epochs=args.pruning_epochs,
                              batch_size=32, verbose=0)
                    copies.setdefault((temperature, density), []).append(
                        (model.get_weights(),
                         _accuracy(model, x_test, y_test)))
        pairs = {key: (pair[0][0], pair[1][0])
                 for key, pair in copies.items()}
        accuracy = {key: float(np.mean([copy[1] for copy in pair]))
                    for key, pair in copies.items()}
        found = kerastricks.utils.three_regime_pruning(
            model, pairs, (x, y), barrier_threshold=args.barrier_threshold,
            similarity_threshold=args.similarity_threshold)
        cells.append([{"temperature": key[0], "density": key[1],
                       "test_accuracy": accuracy[key],
                       **{name: cell[name] for name in (
                           "regime", "barrier", "mode_connectivity",
                           "similarity")}}
                      for key, cell in found.items()])
        chosen, rest = [], []
        for density in args.pruning_densities:
            # Regime I at the low temperature: raise it; otherwise keep it.
            raise_it = found[(low, density)]["regime"] == "I"
            pick, skip = (high, low) if raise_it else (low, high)
            chosen.append(accuracy[(pick, density)])
            rest.append(accuracy[(skip, density)])
        advised.append(float(np.mean(chosen)))
        other.append(float(np.mean(rest)))
        print(f"seed {seed}: " + ", ".join(
            f"T={cell['temperature']} d={cell['density']} "
            f"{cell['regime']} acc {cell['test_accuracy']:.3f}"
            for cell in cells[-1]))
    return {"cells": cells, "advised_accuracy": advised,
            "other_accuracy": other}


EXPERIMENTS = {
    "saliency": saliency,
    "nero_evaluation": nero_evaluation,
    "instability_monitors": instability_monitors,
    "opposing_signals_monitor": opposing_signals_monitor,
    "three_regime_pruning": three_regime_pruning,
}


def build_parser():
    parser = _records.experiments_parser(__doc__.split("\n")[0],
                                         EXPERIMENTS)
    parser.add_argument("--saliency-train", type=int, default=2000)
    parser.add_argument("--saliency-test", type=int, default=300)
    parser.add_argument("--saliency-epochs", type=int, default=8)
    parser.add_argument("--saliency-learning-rate", type=float,
                        default=3e-3)
    parser.add_argument("--nero-train", type=int, default=1500)
    parser.add_argument("--nero-test", type=int, default=300)
    parser.add_argument("--nero-epochs", type=int, default=12)
    parser.add_argument("--nero-learning-rate", type=float, default=3e-3)
    parser.add_argument("--nero-step", type=int, default=15)
    parser.add_argument("--instability-learning-rates", type=float,
                        nargs=2, default=[1e-3, 1e-1])
    parser.add_argument("--instability-sequences", type=int, default=640)
    parser.add_argument("--instability-length", type=int, default=16)
    parser.add_argument("--instability-vocabulary", type=int, default=16)
    parser.add_argument("--instability-width", type=int, default=32)
    parser.add_argument("--instability-epochs", type=int, default=15)
    parser.add_argument("--opposing-learning-rate", type=float, default=0.2)
    parser.add_argument("--opposing-steps", type=int, default=60)
    parser.add_argument("--opposing-top-k", type=int, default=8)
    parser.add_argument("--opposing-random-pairs", type=int, default=50)
    parser.add_argument("--pruning-temperatures", type=float, nargs=2,
                        default=[0.03, 0.3])
    parser.add_argument("--pruning-densities", type=float, nargs="+",
                        default=[0.05, 0.5])
    parser.add_argument("--pruning-epochs", type=int, default=10)
    parser.add_argument("--pruning-retrain-learning-rate", type=float,
                        default=0.05)
    parser.add_argument("--barrier-threshold", type=float, default=0.05)
    parser.add_argument("--similarity-threshold", type=float, default=0.9)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    return _records.run_experiments("diagnostic_claims", EXPERIMENTS,
                                    build_parser().parse_args(argv), argv)


if __name__ == "__main__":
    main()
