"""The model wrappers with Keras's own fault-tolerance callback."""

import keras
import numpy as np
import pytest

import kerastricks

pytestmark = pytest.mark.requires_trainable_backend


class _Interrupted(Exception):
    pass


class _InterruptAfterEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise _Interrupted()


class _EpochsSeen(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def _wrapped(name):
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),
                              keras.layers.Dense(2)])
    wrapper = {
        "sam": lambda: kerastricks.models.SAM(inner, rho=0.05),
        "saf": lambda: kerastricks.models.SAF(inner, num_examples=16),
        "mesa": lambda: kerastricks.models.MESA(inner),
    }[name]()
    wrapper.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return wrapper


def _fit(model, x, y, callbacks):
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
              callbacks=callbacks)
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


@pytest.mark.parametrize("name", ["sam", "saf", "mesa"])
def test_backup_and_restore_resumes_a_wrapped_model(tmp_path, name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    keras.utils.set_random_seed(1)
    straight = _fit(_wrapped(name), x, y, callbacks=[])

    backup = str(tmp_path / "backup")
    keras.utils.set_random_seed(1)
    with pytest.raises(_Interrupted):
        _fit(_wrapped(name), x, y,
             callbacks=[keras.callbacks.BackupAndRestore(backup),
                        _InterruptAfterEpoch(1)])
    keras.utils.set_random_seed(2)  # the backup, not the seed, restores
    seen = _EpochsSeen()
    resumed = _fit(_wrapped(name), x, y,
                   callbacks=[keras.callbacks.BackupAndRestore(backup), seen])
    assert seen.epochs == [2]
    assert len(resumed) == len(straight)
    for actual, expected in zip(resumed, straight):
        np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)


def test_epochs_are_counted_with_a_callback_list():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    mesa = _wrapped("mesa")
    seen = _EpochsSeen()
    callbacks = keras.callbacks.CallbackList([seen], add_history=True,
                                             model=mesa)
    mesa.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=callbacks)
    assert seen.epochs == [0, 1]
    assert int(keras.ops.convert_to_numpy(mesa.epoch)) == 2
