"""Claims of losses and certified training, each against its baseline.

- `z_loss`: ZLoss (defaults, and `a`, `b` picked from a small grid on a
  validation split, as the paper tunes them) against softmax
  cross-entropy on a generated 100-class problem (overlapping Gaussian
  clusters): top-1 and top-5 test accuracy, and the largest change of each
  loss when the logits are scaled and shifted.
- `cross_entropy_dice_loss`: class-weighted cross-entropy + soft Dice
  against each term alone, a small conv net segmenting generated noisy
  images with thin lines and discs; test Dice of the thin class.
- `scale_shift_invariant_loss`: ScaleShiftInvariantLoss against MSE on
  depth-like maps whose targets carry a random scale and shift per image
  (annotations of unknown units); test error of the prediction aligned to
  the true depth.
- `sinkhorn_divergence`: the divergence against exact optimal transport
  (assignment) at small epsilon and against its MMD limit
  `|mean(x) - mean(y)|^2` at large epsilon, and its sign, on small
  generated point clouds.
- `monge_gap`: an MLP fitted from a Gaussian to an affine image of it by the
  Sinkhorn divergence, with and without the Monge gap; test error against
  the true optimal-transport map (the affine map, symmetric positive
  definite).
- `interval_bound_propagation`: IBP training against standard training on
  scikit-learn digits; verified and clean test accuracy at a test radius.

    KERAS_BACKEND=jax python -m benchmarks.loss_claims --seeds 3
"""

import argparse
import time

import keras
import numpy as np
from keras import ops
from scipy.optimize import linear_sum_assignment
from sklearn.datasets import load_digits

import kerastricks
from benchmarks import _records

# -- Z-loss ------------------------------------------------------------------


def gaussian_classes(count, classes, features, noise, rng, means):
    labels = rng.integers(0, classes, count)
    x = means[labels] + rng.normal(scale=noise, size=(count, features))
    return x.astype("float32"), labels


def _top_k_accuracy(logits, labels, k):
    top = np.argsort(-logits, axis=-1)[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=-1)))


def _largest_invariance_change(loss, logits, labels, rng):
    reference = float(loss(labels, logits))
    changes = []
    for _ in range(5):
        scale = float(np.exp(rng.uniform(np.log(0.1), np.log(10.0))))
        shift = float(rng.uniform(-5.0, 5.0))
        changes.append(abs(float(loss(labels, scale * logits + shift))
                           - reference))
    return max(changes)


# The paper tunes the Z-loss's `a` and `b` per task: this grid is searched
# on a validation split, beside the defaults.
Z_LOSS_GRID = ((0.5, 1.0), (0.5, 3.0), (2.0, 1.0), (2.0, 3.0))


def _z_loss_fit(loss, seed, data, args):
    (x_train, y_train), *held_out = data
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((x_train.shape[1],)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(100)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    model.fit(x_train, y_train, epochs=args.z_epochs, batch_size=128,
              verbose=0)
    return [model.predict(x, verbose=0) for x, _ in held_out]


def z_loss(seed, args):
    rng = np.random.default_rng(seed)
    classes, features = 100, 32
    means = rng.normal(size=(classes, features)).astype("float32")
    size = args.z_train_size
    x, y = gaussian_classes(size + 3000, classes, features, args.z_noise,
                            rng, means)
    train = (x[:size], y[:size])
    validation = (x[size:size + 1000], y[size:size + 1000])
    x_test, y_test = x[size + 1000:], y[size + 1000:]
    tuned = max(Z_LOSS_GRID, key=lambda ab: _top_k_accuracy(_z_loss_fit(
        kerastricks.losses.ZLoss(*ab), seed, (train, validation),
        args)[0], validation[1], 5))
    losses = {
        "softmax_ce": keras.losses.SparseCategoricalCrossentropy(
            from_logits=True),
        "ZLoss": kerastricks.losses.ZLoss(),
        "ZLoss_tuned": kerastricks.losses.ZLoss(*tuned)}
    result = {}
    for name, loss in losses.items():
        logits, = _z_loss_fit(loss, seed, (train, (x_test, y_test)), args)
        result[name] = {
            "top1_test_accuracy": _top_k_accuracy(logits, y_test, 1),
            "top5_test_accuracy": _top_k_accuracy(logits, y_test, 5),
            "loss_change_under_scale_shift": _largest_invariance_change(
                loss, logits[:256], y_test[:256], rng),
            "a": getattr(loss, "a", None), "b": getattr(loss, "b", None)}
    return result


# -- cross-entropy + Dice ----------------------------------------------------

SEGMENTATION_SIZE = 32
THIN, DISC = 1, 2


def thin_structure_maps(count, rng):
    """Noisy images with 1-pixel lines (class 1) and discs (class 2)."""
    size = SEGMENTATION_SIZE
    rows, cols = np.mgrid[:size, :size]
    labels = np.zeros((count, size, size), "int64")
    for image in labels:
        for _ in range(rng.integers(1, 3)):
            centre = rng.uniform(6, size - 6, 2)
            radius = rng.uniform(3, 6)
            image[(rows - centre[0]) ** 2 + (cols - centre[1]) ** 2
                  <= radius ** 2] = DISC
        for _ in range(rng.integers(1, 4)):
            start, end = rng.uniform(0, size - 1, (2, 2))
            steps = np.linspace(0, 1, 4 * size)[:, None]
            points = np.round(start + steps * (end - start)).astype(int)
            image[points[:, 0], points[:, 1]] = THIN
    brightness = np.array([0.0, 0.7, 1.0])
    images = brightness[labels] + rng.normal(scale=0.45,
                                             size=labels.shape)
    return images[..., None].astype("float32"), labels


def _segmenter():
    return keras.Sequential([
        keras.Input((SEGMENTATION_SIZE, SEGMENTATION_SIZE, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.Conv2D(3, 1)])


def _hard_dice(predicted, labels, label):
    ours, truth = predicted == label, labels == label
    return float(2 * np.sum(ours & truth)
                 / max(np.sum(ours) + np.sum(truth), 1))


def cross_entropy_dice_loss(seed, args):
    rng = np.random.default_rng(seed)
    x, labels = thin_structure_maps(args.seg_train_size + 200, rng)
    one_hot = np.eye(3, dtype="float32")[labels]
    train = slice(0, args.seg_train_size)
    test = slice(args.seg_train_size, None)
    frequency = np.bincount(labels[train].ravel(), minlength=3)
    class_weights = frequency.sum() / (3.0 * frequency)  # inverse frequency
    variants = {
        "weighted_ce": dict(dice_weight=0.0),
        "dice": dict(cross_entropy_weight=0.0),
        "weighted_ce_plus_dice": {}}
    result = {}
    for name, weights in variants.items():
        keras.utils.set_random_seed(seed)
        model = _segmenter()
        model.compile(
            optimizer=keras.optimizers.Adam(3e-3),
            loss=kerastricks.losses.CrossEntropyDiceLoss(
                class_weights=list(class_weights), from_logits=True,
                **weights))
        model.fit(x[train], one_hot[train], epochs=args.seg_epochs,
                  batch_size=32, verbose=0)
        predicted = np.argmax(model.predict(x[test], verbose=0), -1)
        result[name] = {
            "thin_dice": _hard_dice(predicted, labels[test], THIN),
            "disc_dice": _hard_dice(predicted, labels[test], DISC)}
    return result


# -- scale- and shift-invariant loss -----------------------------------------

DEPTH_SIZE = 32


def depth_maps(count, rng):
    """Smooth depth maps in about [1, 6]: a tilted plane plus bumps."""
    grid = np.linspace(-1, 1, DEPTH_SIZE)
    rows, cols = np.meshgrid(grid, grid, indexing="ij")
    depth = np.empty((count, DEPTH_SIZE, DEPTH_SIZE))
    for i in range(count):
        slope = rng.uniform(-1, 1, 2)
        value = 3.5 + slope[0] * rows + slope[1] * cols
        for _ in range(3):
            centre = rng.uniform(-1, 1, 2)
            width = rng.uniform(0.15, 0.4)
            value -= rng.uniform(0.5, 1.5) * np.exp(
                -((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2)
                / (2 * width ** 2))
        depth[i] = value
    return depth.astype("float32")


def _aligned_rmse(predicted, depth):
    """Per-image RMSE after the least-squares scale and shift that map the
    prediction onto the true depth, relative to the depth's spread."""
    errors = []
    for ours, truth in zip(predicted.reshape(len(depth), -1),
                           depth.reshape(len(depth), -1)):
        design = np.stack([ours, np.ones_like(ours)], axis=1)
        solution, *_ = np.linalg.lstsq(design, truth, rcond=None)
        errors.append(np.sqrt(np.mean((design @ solution - truth) ** 2))
                      / np.std(truth))
    return float(np.mean(errors))


def scale_shift_invariant_loss(seed, args):
    rng = np.random.default_rng(seed)
    count = args.depth_train_size + 200
    depth = depth_maps(count, rng)
    # The input is a fog-like rendering, not the depth itself.
    images = np.exp(-depth / 2.0) + rng.normal(scale=0.02,
                                               size=depth.shape)
    scale = np.exp(rng.uniform(np.log(0.2), np.log(5.0), (count, 1, 1)))
    shift = rng.uniform(-5.0, 5.0, (count, 1, 1))
    targets = (scale * depth + shift).astype("float32")
    images = images[..., None].astype("float32")
    train = slice(0, args.depth_train_size)
    test = slice(args.depth_train_size, None)
    losses = {"mse": keras.losses.MeanSquaredError(),
              "ScaleShiftInvariantLoss":
                  kerastricks.losses.ScaleShiftInvariantLoss()}
    result = {}
    for name, loss in losses.items():
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([
            keras.Input((DEPTH_SIZE, DEPTH_SIZE, 1)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(1, 3, padding="same")])
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss)
        model.fit(images[train], targets[train][..., None],
                  epochs=args.depth_epochs, batch_size=16, verbose=0)
        predicted = model.predict(images[test], verbose=0)
        result[name] = {"aligned_relative_rmse": _aligned_rmse(
            predicted[..., 0], depth[test])}
    return result


# -- Sinkhorn divergence -----------------------------------------------------

SINKHORN_RELATIVE_EPSILONS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)


def _squared_distances(x, y):
    return np.sum((x[:, None, :] - y[None, :, :]) ** 2, axis=-1)


def sinkhorn_divergence(seed, args):
    rng = np.random.default_rng(seed)
    points = args.sinkhorn_points
    x = rng.normal(size=(points, 2))
    y = rng.normal(size=(points, 2)) * [1.5, 0.5] + rng.normal(size=2)
    costs = _squared_distances(x, y)
    rows, cols = linear_sum_assignment(costs)
    exact_ot = float(costs[rows, cols].mean())
    mmd_limit = float(np.sum((x.mean(0) - y.mean(0)) ** 2))
    divergences = []
    for relative in SINKHORN_RELATIVE_EPSILONS:
        divergences.append(float(kerastricks.ops.sinkhorn_divergence(
            x.astype("float32"), y.astype("float32"),
            epsilon=relative * float(costs.mean()),
            num_iterations=args.sinkhorn_iterations)))
    # Its sign on unrelated clouds, and its value on equal clouds.
    signs = []
    for _ in range(5):
        a = rng.normal(size=(points, 2)).astype("float32")
        b = (rng.normal(size=(points, 2)) * rng.uniform(0.5, 2)
             ).astype("float32")
        signs.append(float(kerastricks.ops.sinkhorn_divergence(a, b)))
    return {"exact_ot": exact_ot, "mmd_limit": mmd_limit,
            "relative_epsilons": list(SINKHORN_RELATIVE_EPSILONS),
            "divergence": divergences,
            "smallest_on_random_pairs": min(signs),
            "on_equal_clouds": float(kerastricks.ops.sinkhorn_divergence(
                x.astype("float32"), x.astype("float32")))}


# -- Monge gap ---------------------------------------------------------------

OT_MATRIX = np.array([[2.0, 0.8], [0.8, 1.0]])  # symmetric positive definite
OT_SHIFT = np.array([1.0, -1.0])


def monge_gap(seed, args):
    rng = np.random.default_rng(seed)
    size = args.monge_train_size
    source = rng.normal(size=(size, 2)).astype("float32")
    # Targets: images of other source samples, so the pairing is unknown.
    targets = (rng.normal(size=(size, 2)) @ OT_MATRIX + OT_SHIFT
               ).astype("float32")
    test = rng.normal(size=(1000, 2)).astype("float32")
    truth = test @ OT_MATRIX + OT_SHIFT
    result = {}
    for name, gap_weight in (("fitting_only", 0.0),
                             ("fitting_plus_monge_gap", args.monge_weight)):
        keras.utils.set_random_seed(seed)
        inputs = keras.Input((2,))
        hidden = keras.layers.Dense(64, activation="relu")(inputs)
        hidden = keras.layers.Dense(64, activation="relu")(hidden)
        mapped = keras.layers.Dense(2)(hidden)
        model = keras.Model(inputs, [mapped, keras.layers.Identity()(mapped)])
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=[kerastricks.losses.SinkhornDivergence(),
                  kerastricks.losses.MongeGap()],
            loss_weights=[1.0, gap_weight])
        model.fit(source, [targets, source], epochs=args.monge_epochs,
                  batch_size=128, verbose=0)
        predicted = model.predict(test, verbose=0)[0]
        result[name] = {
            "map_error": float(np.mean(np.sum((predicted - truth) ** 2,
                                              axis=-1))),
            "fit_divergence": float(kerastricks.ops.sinkhorn_divergence(
                predicted[:500], truth[500:]))}
    return result


# -- interval bound propagation ----------------------------------------------


def _verified_accuracy(model, x, y, epsilon):
    lower, upper = kerastricks.utils.interval_bounds(
        model, x, epsilon, clip_min=0.0, clip_max=1.0)
    lower, upper = ops.convert_to_numpy(lower), ops.convert_to_numpy(upper)
    rows = np.arange(len(y))
    others = upper.copy()
    others[rows, y] = -np.inf
    return float(np.mean(lower[rows, y] > others.max(axis=-1)))


def interval_bound_propagation(seed, args):
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:1400], order[1400:]
    steps_per_epoch = int(np.ceil(len(train) / 64))
    total = steps_per_epoch * args.ibp_epochs
    result = {}
    for name in ("standard", "IBP"):
        keras.utils.set_random_seed(seed)
        inner = keras.Sequential([
            keras.Input((64,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10)])
        model = inner
        if name == "IBP":
            model = kerastricks.models.IntervalBoundPropagation(
                inner, epsilon=2 * args.ibp_epsilon,
                warmup_steps=total // 10, ramp_steps=total // 2,
                clip_min=0.0, clip_max=1.0)
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True))
        model.fit(x[train], y[train], epochs=args.ibp_epochs,
                  batch_size=64, verbose=0)
        logits = inner.predict(x[test], verbose=0)
        result[name] = {
            "clean_test_accuracy": float(np.mean(
                np.argmax(logits, -1) == y[test])),
            "verified_test_accuracy": _verified_accuracy(
                inner, x[test], y[test], args.ibp_epsilon)}
    return result


EXPERIMENTS = {
    "z_loss": z_loss,
    "cross_entropy_dice_loss": cross_entropy_dice_loss,
    "scale_shift_invariant_loss": scale_shift_invariant_loss,
    "sinkhorn_divergence": sinkhorn_divergence,
    "monge_gap": monge_gap,
    "interval_bound_propagation": interval_bound_propagation,
}


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=sorted(EXPERIMENTS),
                        help="run these experiments (default: all); the "
                             "record keeps earlier results of the others")
    parser.add_argument("--z-train-size", type=int, default=5000)
    parser.add_argument("--z-noise", type=float, default=2.0)
    parser.add_argument("--z-epochs", type=int, default=20)
    parser.add_argument("--seg-train-size", type=int, default=400)
    parser.add_argument("--seg-epochs", type=int, default=10)
    parser.add_argument("--depth-train-size", type=int, default=400)
    parser.add_argument("--depth-epochs", type=int, default=10)
    parser.add_argument("--sinkhorn-points", type=int, default=40)
    parser.add_argument("--sinkhorn-iterations", type=int, default=2000)
    parser.add_argument("--monge-train-size", type=int, default=2048)
    parser.add_argument("--monge-epochs", type=int, default=30)
    parser.add_argument("--monge-weight", type=float, default=1.0)
    parser.add_argument("--ibp-epochs", type=int, default=60)
    parser.add_argument("--ibp-epsilon", type=float, default=0.1)
    _records.add_arguments(parser)
    return parser


def _by_variant(per_seed):
    """`[{variant: {key: value}}]` per seed -> `{variant: {key: [value]}}`;
    a flat `{key: value}` per seed -> `{key: [value]}`."""
    first = per_seed[0]
    if all(isinstance(value, dict) for value in first.values()):
        return {variant: {key: [run[variant][key] for run in per_seed]
                          for key in first[variant]}
                for variant in first}
    return {key: [run[key] for run in per_seed] for key in first}


def main(argv=None):
    args = build_parser().parse_args(argv)
    previous = _records.read("loss_claims", keras.config.backend(),
                             args.results_folder) if args.only else None
    record = _records.start("loss_claims", args, argv)
    results = dict(previous["results"]) if previous else {}
    seconds = dict(results.get("wall_seconds", {}))
    for name in args.only or EXPERIMENTS:
        started = time.perf_counter()
        per_seed = [EXPERIMENTS[name](seed, args)
                    for seed in range(args.seeds)]
        seconds[name] = round(time.perf_counter() - started, 1)
        results[name] = _by_variant(per_seed)
        print(name, results[name], flush=True)
    results["wall_seconds"] = seconds
    _records.finish(record, results)
    return results


if __name__ == "__main__":
    main()
