"""Architecture claims against their baselines, over seeds.

Small CPU experiments on generated data, each against its baseline in the
same run, a few minutes each:

- `parallel_shallow_block`: a small CNN on generated textured shapes whose
  middle is a stack of K residual conv layers, against the same CNN with
  a `ParallelShallowBlock` of K branches instead (the stack's first-order
  truncation, exactly the same parameter count), for K = 4 and 8, with a
  flattening classifier head and with global average pooling (which
  leaves the whole spatial context to the convolutions, whose receptive
  field the stack grows with depth and the block does not); test
  accuracy and final training loss. The claim is equivalence, so the
  verdict asks whether the shallow block comes within the spread over
  seeds of the deep stack;
- `ponet_token_mixer`: a global comparison over a long sequence (does
  token 1 occur more often than token 2 among 256 random tokens?) read
  out by global max pooling, which no token can answer without mixing
  with the whole sequence: one pre-norm Transformer block with a
  `PoNetTokenMixer` against the same block with multi-head
  self-attention, same width and epochs; test accuracy, and the
  training time per step of both (a measured ratio, same run) at the
  training length and at a longer one;
- `scale_long`: denoising (the noise-prediction objective of diffusion
  training at a random noise level; the model has no timestep input) on
  generated textured-shape images with a 4-level `ScaleLongUNet` with
  additive skips (the setting of the paper's analysis), plain
  (`scaling="none"`) against constant skip scaling (`kappa=0.5`), same
  initial weights elsewhere, same batches and noise, with Adam at a
  moderate learning rate and at a high one (where training is less
  stable, the regime the claim is about); the held-out loss
  after a fixed number of steps, the speed-up (the steps the plain UNet
  needs to reach the worse of the two final held-out losses over the
  steps the scaled one needs to reach it) and the oscillation of the
  held-out loss along training (the summed rises of its logarithm between
  evaluations, 0 for a curve that only falls);
- `soft_equivariance`: regression on random 8x8 images of a target that
  is exactly invariant to flips and only approximately to 90-degree
  rotations (a dihedral-invariant random function plus a smaller
  flip-invariant one that rotations change), from 1000 examples: an MLP
  trained plainly, the same MLP wrapped in `SoftEquivariance` with one
  penalty per symmetry type (flips and rotations, the default weight 1
  each, not tuned), and the same MLP averaged over the dihedral group
  (exactly invariant, so it cannot fit the symmetry-breaking part); test
  mean squared error relative to the target's variance.

    KERAS_BACKEND=jax python -m benchmarks.architecture_claims --seeds 3
    KERAS_BACKEND=jax python -m benchmarks.architecture_claims \
        --only scale_long

With `--only`, the named experiments replace theirs in the existing record
and the others keep their results; every experiment's entry holds the
settings it ran with.
"""

import time

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.ops import soft_equivariance as equivariance_ops
from kerastricks.recipes import datasets
from kerastricks.recipes.layers import PositionEmbedding

NUM_CLASSES = len(datasets.TEXTURED_SHAPES)


def _image_splits(args, seed, image_size=16):
    x, y = datasets.textured_shapes(args.train_size + args.test_size,
                                    image_size=image_size, seed=seed)
    return (x[:args.train_size], y[:args.train_size],
            x[args.train_size:], y[args.train_size:])


def _accuracy(model, x, y):
    predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
    return float(np.mean(predicted == y))


def _classifier_compile(model, learning_rate):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))


def _shallow_or_deep_cnn(kind, depth, head, width, seed):
    """A stem convolution, then `depth` residual conv layers (deep) or one
    `ParallelShallowBlock` of `depth` branches (shallow), then `head`
    ("flatten" or "global average pooling") and the classifier."""
    glorot = keras.initializers.GlorotUniform
    inputs = keras.Input((16, 16, 1))
    x = keras.layers.Conv2D(width, 3, padding="same", activation="relu",
                            kernel_initializer=glorot(seed=seed))(inputs)
    x = keras.layers.MaxPooling2D()(x)
    if kind == "parallel (shallow)":
        x = kerastricks.layers.ParallelShallowBlock(
            num_branches=depth, kernel_initializer=glorot(seed=seed + 1))(x)
    else:
        for layer in range(depth):
            branch = keras.layers.Conv2D(
                width, 3, padding="same", activation="relu",
                kernel_initializer=glorot(seed=seed + 1 + layer))(x)
            x = keras.layers.Add()([x, branch])
    if head == "flatten":
        x = keras.layers.Flatten()(x)
    else:
        x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(
        NUM_CLASSES, kernel_initializer=glorot(seed=seed + 100))(x)
    return keras.Model(inputs, outputs)


SHALLOW_HEADS = ("flatten", "global average pooling")


def parallel_shallow_block(args):
    """Test accuracy and final training loss per head, depth, layout and
    seed, and the parameter counts."""
    kinds = ("parallel (shallow)", "residual stack (deep)")
    depths = [str(depth) for depth in args.shallow_depths]

    def table():
        return {head: {depth: {kind: [] for kind in kinds}
                       for depth in depths} for head in SHALLOW_HEADS}

    accuracy, train_loss = table(), table()
    parameters = {head: {depth: {} for depth in depths}
                  for head in SHALLOW_HEADS}
    for seed in range(args.seeds):
        x, y, x_test, y_test = _image_splits(args, seed)
        for head in SHALLOW_HEADS:
            for depth in depths:
                for kind in kinds:
                    keras.utils.set_random_seed(seed)
                    model = _shallow_or_deep_cnn(kind, int(depth), head,
                                                 args.shallow_width, seed)
                    parameters[head][depth][kind] = model.count_params()
                    _classifier_compile(model, args.learning_rate)
                    model.fit(x, y, epochs=args.epochs,
                              batch_size=args.batch_size, verbose=0)
                    accuracy[head][depth][kind].append(
                        _accuracy(model, x_test, y_test))
                    train_loss[head][depth][kind].append(
                        float(model.evaluate(x, y, verbose=0)))
                    print(f"seed {seed} {head} depth {depth} {kind}: test "
                          f"acc {accuracy[head][depth][kind][-1]:.3f}, "
                          f"train loss "
                          f"{train_loss[head][depth][kind][-1]:.3f}")
    return {"test_accuracy": accuracy, "train_loss": train_loss,
            "parameters": parameters, "depths": list(args.shallow_depths),
            "heads": list(SHALLOW_HEADS)}


def _majority_sequences(count, length, vocabulary, seed):
    """Token ids uniform in [1, vocabulary): label 1 when token 1 occurs
    more often than token 2, 0 when less (ties are broken by turning the
    first other token into a 1)."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, vocabulary, (count, length))
    difference = np.sum(tokens == 1, axis=1) - np.sum(tokens == 2, axis=1)
    ties = np.flatnonzero(difference == 0)
    first_other = np.argmax(tokens > 2, axis=1)
    tokens[ties, first_other[ties]] = 1
    difference[ties] = 1
    return tokens.astype("int32"), (difference > 0).astype("int32")


def _token_mixer(name, args):
    if name == "PoNet":
        return kerastricks.layers.PoNetTokenMixer(
            num_heads=args.sequence_heads,
            num_segments=args.ponet_segments)
    width = args.sequence_width

    class SelfAttention(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.attention = keras.layers.MultiHeadAttention(
                args.sequence_heads, width // args.sequence_heads)

        def call(self, tokens):
            return self.attention(tokens, tokens)

    return SelfAttention()


def _sequence_classifier(name, length, args):
    """One pre-norm Transformer block whose token mixer is `name`, then
    global max pooling (a max cannot count: the counting must happen in
    the token mixer)."""
    width = args.sequence_width
    ids = keras.Input((length,), dtype="int32")
    x = keras.layers.Embedding(args.sequence_vocabulary, width)(ids)
    x = PositionEmbedding()(x)
    mixed = _token_mixer(name, args)(keras.layers.LayerNormalization()(x))
    x = keras.layers.Add()([x, keras.layers.Dense(width)(mixed)])
    hidden = keras.layers.Dense(2 * width, activation="gelu")(
        keras.layers.LayerNormalization()(x))
    x = keras.layers.Add()([x, keras.layers.Dense(width)(hidden)])
    x = keras.layers.GlobalMaxPooling1D()(
        keras.layers.LayerNormalization()(x))
    return keras.Model(ids, keras.layers.Dense(2)(x))


class _StepTimer(keras.callbacks.Callback):
    """Seconds per training step of every epoch after the first (which
    includes compilation)."""

    def __init__(self):
        super().__init__()
        self.seconds_per_step = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._steps = time.perf_counter(), 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps += 1

    def on_epoch_end(self, epoch, logs=None):
        if epoch:
            self.seconds_per_step.append(
                (time.perf_counter() - self._start) / self._steps)


def _seconds_per_step(model, length, args, seed):
    """Median seconds per `train_on_batch` step on generated sequences of
    `length`, after one compiling step."""
    x, y = _majority_sequences(args.timing_batch, length,
                                args.sequence_vocabulary, seed)
    model.train_on_batch(x, y)
    seconds = []
    for _ in range(args.timing_steps):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def ponet_token_mixer(args):
    """Test accuracy, seconds per training step (training length) and per
    step at the longer timing length, per mixer and seed."""
    names = ("PoNet", "self-attention")
    accuracy = {name: [] for name in names}
    step_seconds = {name: [] for name in names}
    long_step_seconds = {name: [] for name in names}
    parameters = {}
    length = args.sequence_length
    for seed in range(args.seeds):
        x, y = _majority_sequences(
            args.sequence_train + args.sequence_test, length,
            args.sequence_vocabulary, seed)
        x_train, y_train = x[:args.sequence_train], y[:args.sequence_train]
        x_test, y_test = x[args.sequence_train:], y[args.sequence_train:]
        for name in names:
            keras.utils.set_random_seed(seed)
            model = _sequence_classifier(name, length, args)
            parameters[name] = model.count_params()
            _classifier_compile(model, args.sequence_learning_rate)
            timer = _StepTimer()
            model.fit(x_train, y_train, epochs=args.sequence_epochs,
                      batch_size=args.sequence_batch_size, verbose=0,
                      callbacks=[timer])
            accuracy[name].append(_accuracy(model, x_test, y_test))
            step_seconds[name].append(float(np.median(timer.seconds_per_step)))
            keras.utils.set_random_seed(seed)
            long_model = _sequence_classifier(name, args.timing_length, args)
            _classifier_compile(long_model, args.sequence_learning_rate)
            long_step_seconds[name].append(_seconds_per_step(
                long_model, args.timing_length, args, seed))
            print(f"seed {seed} {name}: test acc {accuracy[name][-1]:.3f}, "
                  f"{1000 * step_seconds[name][-1]:.1f} ms/step at "
                  f"{length} tokens, {1000 * long_step_seconds[name][-1]:.1f}"
                  f" ms/step at {args.timing_length}")
    return {"test_accuracy": accuracy, "seconds_per_step": step_seconds,
            "long_seconds_per_step": long_step_seconds,
            "parameters": parameters, "chance": 0.5}


def _denoising_batches(images, args, seed):
    """Noisy images and their noise for every step: a random batch of
    images, a noise level per image with signal fraction alpha uniform in
    [0.05, 0.95], `sqrt(alpha) x + sqrt(1 - alpha) noise`."""
    rng = np.random.default_rng(seed)
    shape = (args.diffusion_steps, args.diffusion_batch) + images.shape[1:]
    chosen = images[rng.integers(0, len(images), shape[:2])]
    alpha = rng.uniform(0.05, 0.95, shape[:2] + (1, 1, 1))
    noise = rng.normal(size=shape)
    noisy = np.sqrt(alpha) * chosen + np.sqrt(1 - alpha) * noise
    return noisy.astype("float32"), noise.astype("float32")


def _held_out_denoising(images, seed):
    rng = np.random.default_rng(seed)
    alpha = rng.uniform(0.05, 0.95, (len(images), 1, 1, 1))
    noise = rng.normal(size=images.shape)
    noisy = np.sqrt(alpha) * images + np.sqrt(1 - alpha) * noise
    return noisy.astype("float32"), noise.astype("float32")


def _steps_to_reach(curve, steps, target):
    """The first evaluation step whose loss is at most `target`, or None."""
    for step, loss in zip(steps, curve):
        if loss <= target:
            return step
    return None


def _scale_long_run(args, learning_rate):
    """Held-out denoising loss curves per UNet and seed at one learning
    rate, the speed-up and the oscillation of each curve."""
    names = {"plain UNet": "none", "ScaleLong (CS)": "constant"}
    curves = {name: [] for name in names}
    oscillation = {name: [] for name in names}
    speedup, plain_steps, scaled_steps = [], [], []
    evaluation_steps = list(range(args.diffusion_eval_every,
                                  args.diffusion_steps + 1,
                                  args.diffusion_eval_every))
    size = args.diffusion_image_size
    for seed in range(args.seeds):
        images, _ = datasets.textured_shapes(
            args.diffusion_images + args.diffusion_held_out,
            image_size=size, seed=seed)
        images = 2 * images - 1
        train_images = images[:args.diffusion_images]
        held_out = _held_out_denoising(images[args.diffusion_images:],
                                       seed + 1000)
        noisy, noise = _denoising_batches(train_images, args, seed)
        for name, scaling in names.items():
            keras.utils.set_random_seed(seed)
            model = kerastricks.models.ScaleLongUNet(
                (size, size, 1), filters=tuple(args.diffusion_filters),
                scaling=scaling, kappa=args.kappa, merge="add")
            model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                          loss="mse")
            curve = []
            for step in range(args.diffusion_steps):
                model.train_on_batch(noisy[step], noise[step])
                if (step + 1) % args.diffusion_eval_every == 0:
                    curve.append(float(model.evaluate(
                        *held_out, batch_size=256, verbose=0)))
            curves[name].append(curve)
            # The rises of the log loss between evaluations: 0 for a
            # curve that only falls.
            rises = np.maximum(np.diff(np.log(curve)), 0.0)
            oscillation[name].append(
                float(np.sum(rises)) if np.all(np.isfinite(curve))
                else None)
            print(f"rate {learning_rate} seed {seed} {name}: held-out loss "
                  f"{', '.join(f'{loss:.3f}' for loss in curve)}")
        # The worse of the two final losses, which both runs reach.
        target = max(curves[name][-1][-1] for name in names)
        plain = _steps_to_reach(curves["plain UNet"][-1], evaluation_steps,
                                target)
        scaled = _steps_to_reach(curves["ScaleLong (CS)"][-1],
                                 evaluation_steps, target)
        plain_steps.append(plain)
        scaled_steps.append(scaled)
        speedup.append(plain / scaled)
        print(f"rate {learning_rate} seed {seed}: both reach {target:.4f}, "
              f"plain at {plain} steps, scaled at {scaled}: speed-up "
              f"{speedup[-1]:.2f}")
    return {"held_out_loss": curves, "evaluation_steps": evaluation_steps,
            "oscillation": oscillation, "speedup": speedup,
            "plain_steps_to_target": plain_steps,
            "scaled_steps_to_target": scaled_steps}


def scale_long(args):
    """`_scale_long_run` per learning rate."""
    return {"learning_rates": list(args.diffusion_learning_rates),
            "runs": {str(rate): _scale_long_run(args, rate)
                     for rate in args.diffusion_learning_rates}}


def _random_mlp(rng, inputs, hidden):
    first = rng.normal(0, 1 / np.sqrt(inputs), (inputs, hidden))
    second = rng.normal(0, 1 / np.sqrt(hidden), hidden)
    return lambda x: np.tanh(x @ first) @ second


def _group_average(fn, x, group):
    """The mean of `fn` over the transformed images `g x`, g in `group`."""
    elements = equivariance_ops.group_elements(group, 2)
    flat = [np.asarray(keras.ops.convert_to_numpy(
        equivariance_ops.apply_group_element(x, element))).reshape(len(x), -1)
        for element in elements]
    return np.mean([fn(view) for view in flat], axis=0)


def _symmetry_data(count, args, seed):
    """Targets invariant to flips exactly and to 90-degree rotations only
    up to a flip-invariant part of relative size `symmetry_breaking`; the
    teacher functions are fixed by `args.symmetry_teacher_seed`."""
    side = args.symmetry_image_size
    rng = np.random.default_rng(args.symmetry_teacher_seed)
    invariant = _random_mlp(rng, side * side, args.symmetry_teacher_units)
    breaking = _random_mlp(rng, side * side, args.symmetry_teacher_units)
    x = np.random.default_rng(seed).normal(
        size=(count, side, side, 1)).astype("float32")
    symmetric = _group_average(invariant, x, "dihedral")
    broken = _group_average(breaking, x, "flips")
    scale = args.symmetry_breaking * np.std(symmetric) / np.std(broken)
    return x, (symmetric + scale * broken)[:, None].astype("float32")


def _symmetry_mlp(args, seed):
    side = args.symmetry_image_size
    initializer = keras.initializers.GlorotUniform
    return keras.Sequential([
        keras.Input((side, side, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(args.symmetry_units, activation="relu",
                           kernel_initializer=initializer(seed=seed)),
        keras.layers.Dense(args.symmetry_units, activation="relu",
                           kernel_initializer=initializer(seed=seed + 1)),
        keras.layers.Dense(1, kernel_initializer=initializer(seed=seed + 2))])


class _DihedralAverage(keras.Model):
    """`inner` averaged over the eight rotations and flips of its input:
    exactly invariant to them."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def call(self, inputs, training=False):
        views = [self.inner(equivariance_ops.apply_group_element(
            inputs, element), training=training)
            for element in equivariance_ops.group_elements("dihedral", 2)]
        return keras.ops.mean(keras.ops.stack(views), axis=0)


def soft_equivariance(args):
    """Test MSE over the target variance per model and seed, and the
    learned models' penalties on the test inputs."""
    names = ("plain MLP", "SoftEquivariance (flips, rotations)",
             "dihedral-averaged MLP (exactly invariant)")
    errors = {name: [] for name in names}
    for seed in range(args.seeds):
        x, y = _symmetry_data(args.symmetry_train + args.symmetry_test,
                              args, seed)
        # Standardize with the training targets' statistics.
        mean = y[:args.symmetry_train].mean()
        std = y[:args.symmetry_train].std()
        y = (y - mean) / std
        x_train, y_train = x[:args.symmetry_train], y[:args.symmetry_train]
        x_test, y_test = x[args.symmetry_train:], y[args.symmetry_train:]
        for name in names:
            keras.utils.set_random_seed(seed)
            inner = _symmetry_mlp(args, seed)
            if name.startswith("SoftEquivariance"):
                model = kerastricks.models.SoftEquivariance(
                    inner, group=["flips", "rotations"],
                    weight=[args.symmetry_weight, args.symmetry_weight])
            elif name.startswith("dihedral"):
                model = _DihedralAverage(inner)
            else:
                model = inner
            model.compile(optimizer=keras.optimizers.Adam(
                args.symmetry_learning_rate), loss="mse")
            model.fit(x_train, y_train, epochs=args.symmetry_epochs,
                      batch_size=args.symmetry_batch_size, verbose=0)
            predicted = model.predict(x_test, verbose=0)
            errors[name].append(float(
                np.mean((predicted - y_test) ** 2) / np.var(y_test)))
            print(f"seed {seed} {name}: relative test MSE "
                  f"{errors[name][-1]:.4f}")
    return {"relative_test_mse": errors}


EXPERIMENTS = {
    "parallel_shallow_block": parallel_shallow_block,
    "ponet_token_mixer": ponet_token_mixer,
    "scale_long": scale_long,
    "soft_equivariance": soft_equivariance,
}


def build_parser():
    parser = _records.experiments_parser(__doc__.split("\n")[0],
                                         EXPERIMENTS)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--train-size", type=int, default=1200)
    parser.add_argument("--test-size", type=int, default=600)
    parser.add_argument("--shallow-depths", type=int, nargs="+",
                        default=[4, 8])
    parser.add_argument("--shallow-width", type=int, default=16)
    parser.add_argument("--sequence-length", type=int, default=256)
    parser.add_argument("--sequence-vocabulary", type=int, default=16)
    parser.add_argument("--sequence-width", type=int, default=32)
    parser.add_argument("--sequence-heads", type=int, default=2)
    parser.add_argument("--ponet-segments", type=int, default=8)
    parser.add_argument("--sequence-train", type=int, default=800)
    parser.add_argument("--sequence-test", type=int, default=500)
    parser.add_argument("--sequence-epochs", type=int, default=8)
    parser.add_argument("--sequence-batch-size", type=int, default=32)
    parser.add_argument("--sequence-learning-rate", type=float,
                        default=3e-3)
    parser.add_argument("--timing-length", type=int, default=1024)
    parser.add_argument("--timing-batch", type=int, default=16)
    parser.add_argument("--timing-steps", type=int, default=5)
    parser.add_argument("--diffusion-image-size", type=int, default=16)
    parser.add_argument("--diffusion-filters", type=int, nargs="+",
                        default=[8, 16, 16, 32])
    parser.add_argument("--diffusion-images", type=int, default=2000)
    parser.add_argument("--diffusion-held-out", type=int, default=256)
    parser.add_argument("--diffusion-batch", type=int, default=32)
    parser.add_argument("--diffusion-steps", type=int, default=400)
    parser.add_argument("--diffusion-eval-every", type=int, default=20)
    parser.add_argument("--diffusion-learning-rates", type=float,
                        nargs="+", default=[2e-3, 1e-2])
    parser.add_argument("--kappa", type=float, default=0.5)
    parser.add_argument("--symmetry-image-size", type=int, default=8)
    parser.add_argument("--symmetry-teacher-units", type=int, default=32)
    parser.add_argument("--symmetry-teacher-seed", type=int, default=1234)
    parser.add_argument("--symmetry-breaking", type=float, default=0.5)
    parser.add_argument("--symmetry-units", type=int, default=64)
    parser.add_argument("--symmetry-train", type=int, default=1000)
    parser.add_argument("--symmetry-test", type=int, default=2000)
    parser.add_argument("--symmetry-epochs", type=int, default=40)
    parser.add_argument("--symmetry-batch-size", type=int, default=32)
    parser.add_argument("--symmetry-learning-rate", type=float,
                        default=1e-3)
    parser.add_argument("--symmetry-weight", type=float, default=1.0)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    return _records.run_experiments("architecture_claims", EXPERIMENTS,
                                    build_parser().parse_args(argv), argv)


if __name__ == "__main__":
    main()
