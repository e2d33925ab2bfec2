"""Contract entries for the rest of issue 4: OpposingSignalsMonitor,
diagonal_fisher and fisher_merge."""

import keras
import numpy as np

import kerastricks
from tests.common.technique_settings import custom

_X = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
_Y = np.arange(8) % 2


def _classifier():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(4),
                             keras.layers.BatchNormalization(),
                             keras.layers.Dense(2)])


def _opposing_signals_monitor(test):
    monitor = kerastricks.callbacks.OpposingSignalsMonitor((_X, _Y), top_k=2)
    test.run_serialization_test(monitor)
    test.run_callback_test(
        monitor, _classifier(), _X, _Y,
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        epochs=1, expected_log_keys=("opposing_signals_strength",))
    test.assertLen(monitor.report()["steps"], 2)


def _diagonal_fisher(test):
    model = _classifier()
    fisher = kerastricks.utils.diagonal_fisher(model, _X, batch_size=4)
    test.assertEqual([f.shape for f in fisher],
                     [tuple(v.shape) for v in model.trainable_variables])


def _fisher_merge(test):
    first, second = _classifier(), _classifier()
    merged = kerastricks.utils.fisher_merge([first, second], [_X, _X])
    merged.compile(optimizer="sgd", loss=keras.losses.
                   SparseCategoricalCrossentropy(from_logits=True),
                   jit_compile="auto")
    merged.fit(_X, _Y, verbose=0)
    test.run_saving_test(merged, _X)


SETTINGS = {
    "kerastricks.callbacks.OpposingSignalsMonitor": custom(
        _opposing_signals_monitor),
    "kerastricks.utils.diagonal_fisher": custom(_diagonal_fisher),
    "kerastricks.utils.fisher_merge": custom(_fisher_merge),
}
