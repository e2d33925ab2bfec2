"""Test accuracy and sharpness of base, SAM, SAF and MESA side by side.

Trains the same MLP (64-256-256-10, ReLU) on scikit-learn's bundled 8x8
digits (offline; 1,437 train / 360 test images, stratified) with SGD and
momentum for the same number of epochs under each technique, then measures
at the final weights, on the full training set in inference mode:

- `lambda_max`: the top eigenvalue of the Hessian of the training loss, by
  power iteration on finite-difference Hessian-vector products
  `(g(w + h v) - g(w - h v)) / 2h` of the gradient g, which comes from
  `kerastricks.backend.get().loss_and_gradients`;
- `dL(rho)`: the loss increase `L(w + rho g / |g|) - L(w)` one step of size
  rho along the gradient (SAM's own sharpness measure), rho = 0.05.

Each cell is the mean (and spread) over `--seeds` seeds:

    KERAS_BACKEND=jax python -m benchmarks.sharpness --epochs 40 --seeds 3
"""

import argparse

import keras
import numpy as np
from keras import ops

import kerastricks
from benchmarks import _records
from kerastricks import backend

TECHNIQUES = ("base", "SAM", "SAF", "MESA")


def load_digits(seed=0):
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int32")
    return train_test_split(x, y, test_size=0.2, stratify=y,
                            random_state=seed)


def mlp(seed):
    initializer = keras.initializers.GlorotUniform
    return keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(256, activation="relu",
                           kernel_initializer=initializer(seed=seed)),
        keras.layers.Dense(256, activation="relu",
                           kernel_initializer=initializer(seed=seed + 1)),
        keras.layers.Dense(10, kernel_initializer=initializer(seed=seed + 2)),
    ])


def wrap(technique, model, steps_per_epoch, args):
    if technique == "SAM":
        return kerastricks.models.SAM(model, rho=args.rho)
    if technique == "SAF":
        return kerastricks.models.SAF(model, start_epoch=args.start_epoch)
    if technique == "MESA":
        # The authors' 0.9998 averages over ~5,000 steps, one ImageNet
        # epoch at batch 256; here one epoch is `steps_per_epoch` steps.
        return kerastricks.models.MESA(
            model, start_epoch=args.start_epoch,
            ema_momentum=1.0 - 1.0 / steps_per_epoch)
    return model


def train(technique, seed, data, args):
    x_train, x_test, y_train, y_test = data
    keras.utils.set_random_seed(seed)
    model = mlp(seed)
    steps_per_epoch = int(np.ceil(len(x_train) / args.batch_size))
    trained = wrap(technique, model, steps_per_epoch, args)
    trained.compile(
        optimizer=keras.optimizers.SGD(args.learning_rate, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    trained.fit(x_train, y_train, epochs=args.epochs,
                batch_size=args.batch_size, verbose=0)
    predictions = np.argmax(model.predict(x_test, verbose=0), axis=-1)
    return model, float(np.mean(predictions == y_test))


def _loss_function(model, x, y):
    x = ops.convert_to_tensor(x)
    y = ops.convert_to_tensor(y)
    non_trainable = [v.value for v in model.non_trainable_variables]

    def loss(values):
        logits, _ = model.stateless_call(values, non_trainable, x,
                                         training=False)
        return ops.mean(keras.losses.sparse_categorical_crossentropy(
            y, logits, from_logits=True)), ()

    return loss


def _gradient(loss, values):
    (value, _), gradients = backend.get().loss_and_gradients(loss, values)
    return float(ops.convert_to_numpy(value)), [
        ops.convert_to_numpy(g).astype("float64") for g in gradients]


def _shifted(values, direction, step):
    return [ops.convert_to_tensor((ops.convert_to_numpy(w) + step * d)
                                  .astype("float32"))
            for w, d in zip(values, direction)]


def _norm(vectors):
    return np.sqrt(sum(np.sum(v * v) for v in vectors))


def top_hessian_eigenvalue(model, x, y, iterations, step=1e-3, seed=0):
    loss = _loss_function(model, x, y)
    values = [v.value for v in model.trainable_variables]
    rng = np.random.default_rng(seed)
    direction = [rng.normal(size=v.shape) for v in values]
    eigenvalue = 0.0
    for _ in range(iterations):
        norm = _norm(direction)
        direction = [d / norm for d in direction]
        _, plus = _gradient(loss, _shifted(values, direction, step))
        _, minus = _gradient(loss, _shifted(values, direction, -step))
        product = [(p - m) / (2 * step) for p, m in zip(plus, minus)]
        eigenvalue = sum(np.sum(d * h) for d, h in zip(direction, product))
        direction = product
    return eigenvalue


def loss_increase(model, x, y, rho):
    loss = _loss_function(model, x, y)
    values = [v.value for v in model.trainable_variables]
    base, gradients = _gradient(loss, values)
    norm = _norm(gradients)
    ascent = [g / norm for g in gradients]
    perturbed, _ = _gradient(loss, _shifted(values, ascent, rho))
    return perturbed - base, base


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--rho", type=float, default=0.05,
                        help="SAM's radius and the dL(rho) probe")
    parser.add_argument("--start-epoch", type=int, default=5,
                        help="SAF/MESA start epoch (the authors' 5)")
    parser.add_argument("--power-iterations", type=int, default=20)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("sharpness", args, argv)
    data = load_digits()
    print(f"# digits MLP, {args.epochs} epochs, batch {args.batch_size}, "
          f"SGD({args.learning_rate}, momentum 0.9), {args.seeds} seeds, "
          f"backend {keras.config.backend()}, keras {keras.__version__}")
    print(f"{'technique':<10}{'test acc':>16}{'train loss':>14}"
          f"{'lambda_max':>16}{'dL(rho)':>18}")
    per_technique = {}
    for technique in TECHNIQUES:
        rows = []
        for seed in range(args.seeds):
            model, accuracy = train(technique, seed, data, args)
            increase, train_loss = loss_increase(model, data[0], data[2],
                                                 args.rho)
            eigenvalue = top_hessian_eigenvalue(
                model, data[0], data[2], args.power_iterations, seed=seed)
            rows.append((accuracy, train_loss, eigenvalue, increase))
        mean, spread = np.mean(rows, axis=0), np.std(rows, axis=0)
        print(f"{technique:<10}"
              f"{mean[0]:>9.4f} ±{spread[0]:.4f}"
              f"{mean[1]:>14.2e}"
              f"{mean[2]:>9.2f} ±{spread[2]:5.2f}"
              f"{mean[3]:>10.2e} ±{spread[3]:.1e}", flush=True)
        per_technique[technique] = {
            key: [row[index] for row in rows] for index, key in enumerate(
                ("test_accuracy", "train_loss", "lambda_max",
                 "loss_increase"))}
    _records.finish(record, {
        "mesa_ema_momentum": 1.0 - 1.0 / int(np.ceil(
            len(data[0]) / args.batch_size)),
        "train_examples": len(data[0]), "test_examples": len(data[1]),
        "per_seed": per_technique})
    return per_technique


if __name__ == "__main__":
    main()
