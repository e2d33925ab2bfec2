"""Tiny deterministic problems and model factories for tests."""

import keras
import numpy as np


def parabola(num_examples=32, features=4, seed=0):
    """Linear regression onto a fixed target: the loss is a convex bowl."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(num_examples, features)).astype("float32")
    true_kernel = rng.normal(size=(features, 1)).astype("float32")
    return x, x @ true_kernel


def blobs(num_examples=32, features=4, classes=3, seed=0):
    """Gaussian blobs around random centres: an easy classification task."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(classes, features))
    y = rng.integers(0, classes, size=num_examples)
    x = centres[y] + rng.normal(size=(num_examples, features))
    return x.astype("float32"), y.astype("int32")


def mlp(input_dim=4, hidden=8, outputs=1, normalization=False, seed=0):
    """A two-layer MLP; with `normalization` the hidden kernel is followed by
    BatchNormalization and so is scale-invariant."""
    initializer = keras.initializers.GlorotUniform(seed=seed)
    layers = [keras.Input((input_dim,))]
    layers.append(
        keras.layers.Dense(
            hidden,
            kernel_initializer=initializer,
            use_bias=not normalization,
        )
    )
    if normalization:
        layers.append(keras.layers.BatchNormalization())
    layers.append(keras.layers.Activation("relu"))
    layers.append(
        keras.layers.Dense(
            outputs, kernel_initializer=keras.initializers.GlorotUniform(
                seed=seed + 1
            )
        )
    )
    return keras.Sequential(layers)


def cnn(input_shape=(6, 6, 2), filters=4, classes=3, seed=0):
    """A tiny conv net: Conv2D -> BatchNorm -> ReLU -> pooling -> Dense."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(
                filters,
                3,
                use_bias=False,
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
            ),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(
                classes,
                kernel_initializer=keras.initializers.GlorotUniform(
                    seed=seed + 1
                ),
            ),
        ]
    )
