"""Contract entries for the issue-4 techniques written by the lead."""

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.common.technique_settings import custom
from tests.common.technique_settings import layer
from tests.common.technique_settings import loss


def _self_attention(test):
    test.run_serialization_test(
        kerastricks.layers.QKNormMultiHeadAttention(num_heads=2, key_dim=4))
    inputs = keras.Input((3, 8))
    attention = kerastricks.layers.QKNormMultiHeadAttention(num_heads=2,
                                                            key_dim=4)
    model = keras.Model(inputs, attention(inputs, inputs,
                                          use_causal_mask=True))
    test.run_saving_test(model, np.ones((2, 3, 8), "float32"))


def _train_only_batchnorm(test):
    model = keras.Sequential([
        keras.Input((4,)), keras.layers.Dense(8),
        keras.layers.BatchNormalization(), keras.layers.Dense(2),
    ])
    kerastricks.utils.train_only_batchnorm(model)
    model.compile(optimizer="sgd", loss="mse", jit_compile=testing.JIT_COMPILE)
    model.fit(np.ones((4, 4)), np.zeros((4, 2)), verbose=0)
    test.run_saving_test(model, np.ones((4, 4), "float32"))


def _scale_learning_rate(test):
    test.assertAllClose(
        kerastricks.utils.scale_learning_rate(0.1, 32, 128, "sgd"), 0.4)


_BINARY = (np.array([1, 0, 1, 1], "float32"),
           np.array([0.9, 0.2, 0.8, 0.1], "float32"))

def _softmax_collapse_monitor(test):
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.arange(8) % 3
    monitor = kerastricks.callbacks.SoftmaxCollapseMonitor((x, y))
    test.run_serialization_test(monitor)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    test.run_callback_test(
        monitor, model, x, y,
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        epochs=1, expected_log_keys=("softmax_collapse",))


_EMBEDDINGS = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")

def _data_pruning_scores(test):
    x, y = np.ones((6, 4), "float32"), np.arange(6) % 3
    scorer = kerastricks.callbacks.DataPruningScores((x, y),
                                                     score_epochs=(1,))
    test.run_serialization_test(scorer)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    test.run_callback_test(
        scorer, model, x, y,
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        epochs=1)
    test.assertEqual(scorer.scores.shape, (6,))


def _prototype_scores(test):
    scores = kerastricks.utils.prototype_scores(np.eye(3), num_clusters=3)
    test.assertAllClose(scores, np.zeros(3), atol=1e-6)


def _select_kept_indices(test):
    test.assertAllEqual(
        kerastricks.utils.select_kept_indices([3.0, 1.0, 2.0], 0.34), [0])


_SEGMENTATION = np.eye(3, dtype="float32")[np.array([[[0, 1], [2, 2]]])]

SETTINGS = {
    "kerastricks.losses.CrossEntropyDiceLoss": loss(
        kerastricks.losses.CrossEntropyDiceLoss, _SEGMENTATION,
        _SEGMENTATION * 0.9 + 0.1 / 3),
    "kerastricks.callbacks.DataPruningScores": custom(_data_pruning_scores),
    "kerastricks.utils.prototype_scores": custom(_prototype_scores),
    "kerastricks.utils.select_kept_indices": custom(_select_kept_indices),
    "kerastricks.losses.SupervisedContrastiveLoss": loss(
        kerastricks.losses.SupervisedContrastiveLoss,
        np.array([0, 1, 0, 1, 2, 2]), _EMBEDDINGS),
    "kerastricks.losses.NTXentLoss": loss(
        kerastricks.losses.NTXentLoss, np.zeros(6), _EMBEDDINGS),
    "kerastricks.callbacks.SoftmaxCollapseMonitor": custom(
        _softmax_collapse_monitor),
    "kerastricks.losses.AnyLoss": loss(kerastricks.losses.AnyLoss, *_BINARY),
    "kerastricks.losses.FBetaLoss": loss(kerastricks.losses.FBetaLoss,
                                         *_BINARY),
    "kerastricks.losses.AccuracyLoss": loss(kerastricks.losses.AccuracyLoss,
                                            *_BINARY),
    "kerastricks.losses.BalancedAccuracyLoss": loss(
        kerastricks.losses.BalancedAccuracyLoss, *_BINARY),
    "kerastricks.losses.GeometricMeanLoss": loss(
        kerastricks.losses.GeometricMeanLoss, *_BINARY),
    "kerastricks.utils.train_only_batchnorm": custom(_train_only_batchnorm),
    "kerastricks.utils.scale_learning_rate": custom(_scale_learning_rate),
    "kerastricks.layers.QKNormMultiHeadAttention": custom(_self_attention),
    "kerastricks.losses.LogitZLoss": loss(
        kerastricks.losses.LogitZLoss,
        np.array([0, 2]),
        np.array([[30.0, 0.0, -30.0], [0.5, 0.1, 3.0]], "float32"),
    ),
    "kerastricks.layers.SpatialPyramidPooling2D": layer(
        kerastricks.layers.SpatialPyramidPooling2D,
        np.random.default_rng(0).normal(size=(2, 6, 5, 3)).astype("float32"),
    ),
    "kerastricks.layers.GroupGeneralizedMeanPooling": layer(
        lambda: kerastricks.layers.GroupGeneralizedMeanPooling(groups=2),
        np.random.default_rng(0).uniform(size=(2, 5, 4)).astype("float32"),
    ),
}
