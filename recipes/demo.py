"""The offline demo behind `make demo`: AdamP vs Adam on scikit-learn's
bundled digits, with a small CNN whose kernels are followed by BatchNorm
(scale-invariant, the case AdamP is for)."""

import argparse
import time

import keras
import numpy as np

import kerastricks


def load_digits(seed=0):
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    y = digits.target.astype("int32")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    return (x[:split], y[:split]), (x[split:], y[split:])


def build_model(seed=0):
    initializer = keras.initializers.HeNormal(seed=seed)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(32, 3, padding="same", use_bias=False,
                                kernel_initializer=initializer),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Conv2D(64, 3, strides=2, padding="same",
                                use_bias=False,
                                kernel_initializer=initializer),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, kernel_initializer=initializer),
        ]
    )


def run(optimizer_name, make_optimizer, data, epochs, batch_size):
    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(0)
    model = build_model()
    model.compile(
        optimizer=make_optimizer(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    print(f"--> training with {optimizer_name}")
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs,
                        batch_size=batch_size, verbose=2,
                        validation_data=(x_test, y_test))
    seconds = time.perf_counter() - start
    return {
        "optimizer": optimizer_name,
        "train_loss": history.history["loss"][-1],
        "test_accuracy": history.history["val_accuracy"][-1],
        "best_test_accuracy": max(history.history["val_accuracy"]),
        "seconds": seconds,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    print(f"Keras {keras.__version__}, backend {keras.config.backend()}, "
          f"kerastricks {kerastricks.__version__}")
    data = load_digits()
    print(f"digits: {len(data[0][0])} train / {len(data[1][0])} test images")
    rows = [
        run("Adam", lambda: keras.optimizers.Adam(1e-3, epsilon=1e-8), data,
            args.epochs, args.batch_size),
        run("AdamP", lambda: kerastricks.optimizers.AdamP(1e-3), data,
            args.epochs, args.batch_size),
    ]
    print()
    print(f"{'optimizer':<10}{'train loss':>12}{'test acc':>10}"
          f"{'best acc':>10}{'seconds':>9}")
    for row in rows:
        print(f"{row['optimizer']:<10}{row['train_loss']:>12.4f}"
              f"{row['test_accuracy']:>10.4f}{row['best_test_accuracy']:>10.4f}"
              f"{row['seconds']:>9.1f}")
    return rows


if __name__ == "__main__":
    main()
