"""Every layer, loss, activation and optimizer of kerastricks trains inside
one compiled step: XLA on JAX and TensorFlow, torch.compile on torch.

Per-component tests fit with `kerastricks.testing.JIT_COMPILE`, which runs
torch eagerly because torch.compile costs 15-40 s a model on a CPU; these
two models put everything in two compilations instead. The model wrappers
(SAM, SAF, MESA) have their own compiled tests in tests/models/.
"""

import keras
import numpy as np
import pytest

import kerastricks
from kerastricks import testing

pytestmark = [pytest.mark.requires_trainable_backend]

BATCH = 8


def _model():
    images = keras.Input((6, 6, 2), name="images")
    maps = kerastricks.layers.TrAct(
        keras.layers.Conv2D(4, 3, padding="same", activation="relu"))(images)
    pooled = keras.layers.Concatenate()([
        kerastricks.layers.SpatialPyramidPooling2D(bins=(1, 2))(maps),
        kerastricks.layers.GroupGeneralizedMeanPooling(groups=2)(maps),
    ])
    tokens = keras.layers.Reshape((36, 4))(maps)
    attended = kerastricks.layers.QKNormMultiHeadAttention(
        num_heads=2, key_dim=2)(tokens, tokens)
    outputs = {
        "classes": keras.layers.Dense(3, name="classes")(pooled),
        "z": keras.layers.Dense(3, name="z")(pooled),
        "probabilities": keras.layers.Dense(
            3, activation=kerastricks.activations.stablemax,
            name="probabilities")(pooled),
        "binary": keras.layers.Dense(1, activation="sigmoid",
                                     name="binary")(pooled),
        "embedding": keras.layers.Dense(4, name="embedding")(pooled),
        "views": keras.layers.Dense(4, name="views")(pooled),
        "segmentation": keras.layers.Conv2D(
            3, 1, activation="softmax", name="segmentation")(maps),
        "tokens": keras.layers.Dense(3, name="tokens")(
            keras.layers.GlobalAveragePooling1D()(attended)),
    }
    return keras.Model(images, outputs)


LOSSES = {
    "classes": kerastricks.losses.StableMaxCrossEntropy(),
    "z": kerastricks.losses.ZLoss(),
    "probabilities": keras.losses.SparseCategoricalCrossentropy(),
    "binary": kerastricks.losses.FBetaLoss(),
    "embedding": kerastricks.losses.SupervisedContrastiveLoss(),
    "views": kerastricks.losses.NTXentLoss(),
    "segmentation": kerastricks.losses.CrossEntropyDiceLoss(),
    "tokens": kerastricks.losses.LogitZLoss(),
}


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, 6, 6, 2)).astype("float32")
    labels = np.arange(BATCH) % 3
    segmentation = np.eye(3, dtype="float32")[
        rng.integers(0, 3, size=(BATCH, 6, 6))]
    y = {
        "classes": labels, "z": labels, "probabilities": labels,
        "binary": (labels == 0).astype("float32")[:, None],
        "embedding": labels, "views": np.zeros(BATCH, "float32"),
        "segmentation": segmentation, "tokens": labels,
    }
    return x, y


class CompiledStepTest(testing.TestCase):
    def test_layers_activation_and_losses(self):
        x, y = _data()
        model = _model()
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss=LOSSES,
                      jit_compile=True)
        self.assertTrue(model.jit_compile)
        history = model.fit(x, y, epochs=2, batch_size=BATCH, verbose=0)
        for name, values in history.history.items():
            self.assertTrue(np.all(np.isfinite(values)), name)
        self.assertLess(history.history["loss"][-1],
                        history.history["loss"][0])

    def test_optimizers(self):
        # A small model: the compiled step grows with the number of
        # variables each optimizer transforms.
        x, y = testing.problems.blobs(num_examples=8)
        for optimizer in (
            kerastricks.optimizers.OrthoGrad(
                kerastricks.optimizers.AdamP(learning_rate=1e-2)),
            kerastricks.optimizers.SGDP(learning_rate=0.05, momentum=0.9),
        ):
            model = testing.problems.mlp(outputs=3, normalization=True)
            model.compile(optimizer=optimizer, jit_compile=True,
                          loss=keras.losses.SparseCategoricalCrossentropy(
                              from_logits=True))
            self.assertTrue(model.jit_compile)
            history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
            self.assertLess(history.history["loss"][-1],
                            history.history["loss"][0],
                            type(optimizer).__name__)
