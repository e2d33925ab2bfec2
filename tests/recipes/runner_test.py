"""Run folders: files, resumption after a kill, atomic checkpoints."""

import contextlib
import io
import json

import keras
import numpy as np
import pytest

import kerastricks
from kerastricks.recipes import runner
from tests.recipes.fake_recipe import TinyBlobsRecipe

pytestmark = [pytest.mark.requires_tuner,
              pytest.mark.requires_trainable_backend]


class _Killed(Exception):
    pass


class _KillMidEpoch(keras.callbacks.Callback):
    """Stands in for a kill: raises in the middle of epoch `epoch`."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch = epoch
        self.batch = batch
        self.current_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current_epoch == self.epoch and batch == self.batch:
            raise _Killed()


def _final_state(directory):
    path = runner.checkpoints(directory)[3]
    with np.load(path) as saved:
        return {k: saved[k] for k in saved.files}


class RunnerTest(kerastricks.testing.TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def _assert_same_run(self, straight, resumed):
        """A resumed run ends where the uninterrupted one did, with one
        history row an epoch."""
        expected, actual = _final_state(straight), _final_state(resumed)
        self.assertEqual(sorted(expected), sorted(actual))
        for key in expected:
            self.assertAllClose(actual[key], expected[key], atol=1e-6,
                                rtol=1e-6)
        history = runner.read_history(resumed / runner.METRICS_FILE)
        self.assertEqual(history.epoch, [0, 1, 2])

    def test_run_folder_contents(self):
        directory = self.tmp_path / "run"
        summary = runner.train(TinyBlobsRecipe.from_preset("small"),
                               directory, preset="small", verbose=0)
        config = json.loads((directory / runner.CONFIG_FILE).read_text())
        self.assertEqual(config["recipe"], "tiny_blobs")
        self.assertEqual(config["hyperparameters"],
                         {"units": 4, "learning_rate": 0.01})
        self.assertEqual(config["epochs"], 3)
        history = runner.read_history(directory / runner.METRICS_FILE)
        self.assertEqual(history.epoch, [0, 1, 2])
        self.assertIn("val_accuracy", history.history)
        png = (directory / runner.CURVES_FILE).read_bytes()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(list(runner.checkpoints(directory)), [2, 3])
        self.assertEqual(summary["epochs"], 3)
        self.assertAllClose(summary["val_accuracy"],
                            history.history["val_accuracy"][-1])
        restored = keras.saving.load_model(directory / runner.MODEL_FILE)
        self.assertEqual(restored.layers[0].units, 4)

    def test_resume_after_kill_matches_uninterrupted_run(self):
        recipe = TinyBlobsRecipe()
        runner.train(recipe, self.tmp_path / "straight", verbose=0)
        killed = self.tmp_path / "killed"
        with self.assertRaises(_Killed):
            runner.train(recipe, killed, verbose=0,
                         callbacks=[_KillMidEpoch(epoch=2, batch=2)])
        self.assertEqual(list(runner.checkpoints(killed)), [1, 2])
        runner.train(recipe, killed, resume=True, verbose=0)
        self._assert_same_run(self.tmp_path / "straight", killed)

    def test_failed_write_keeps_the_good_checkpoint(self):
        directory = self.tmp_path / "run"
        model = TinyBlobsRecipe().build(
            runner.recipe_hyperparameters(TinyBlobsRecipe()))
        good = runner.save_checkpoint(model, directory, 1)
        before = good.read_bytes()

        def broken_savez(file, **arrays):
            file.write(b"half a checkpoint")
            raise _Killed()

        original = np.savez
        np.savez = broken_savez
        try:
            with self.assertRaises(_Killed):
                runner.save_checkpoint(model, directory, 2)
        finally:
            np.savez = original
        self.assertEqual(list(runner.checkpoints(directory)), [1])
        self.assertEqual(good.read_bytes(), before)
        self.assertEqual(runner.restore_checkpoint(model, good), 1)

    def test_resume_falls_back_from_a_damaged_last_checkpoint(self):
        recipe = TinyBlobsRecipe()
        runner.train(recipe, self.tmp_path / "straight", verbose=0)
        for damage, reason in ((lambda data: data[:len(data) // 2],
                                "BadZipFile"),
                               (lambda data: b"", "EOFError")):
            directory = self.tmp_path / reason
            runner.train(recipe, directory, verbose=0)
            last = runner.checkpoints(directory)[3]
            last.write_bytes(damage(last.read_bytes()))
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                runner.train(recipe, directory, resume=True, verbose=0)
            printed = output.getvalue()
            self.assertIn(f"Checkpoint {last} is damaged and cannot be read "
                          f"({reason}", printed)
            self.assertIn("falling back to the previous checkpoint",
                          printed)
            self.assertIn("Resuming tiny_blobs from epoch 2", printed)
            self.assertTrue((last.parent / ".epoch_00003.npz.damaged")
                            .exists())
            self._assert_same_run(self.tmp_path / "straight", directory)

    def test_resume_with_every_checkpoint_damaged_starts_over(self):
        directory = self.tmp_path / "run"
        runner.train(TinyBlobsRecipe(), directory, verbose=0)
        for path in runner.checkpoints(directory).values():
            path.write_bytes(b"")
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            runner.train(TinyBlobsRecipe(), directory, resume=True,
                         verbose=0)
        self.assertIn("No intact checkpoint", output.getvalue())
        self.assertIn("starting from epoch 0", output.getvalue())
        self.assertEqual(list(runner.checkpoints(directory)), [2, 3])

    def test_epochs_and_batch_size_must_be_positive(self):
        for arguments, message in (
                ({"epochs": 0}, "Received: epochs=0"),
                ({"epochs": -2}, "Received: epochs=-2"),
                ({"epochs": True}, "Received: epochs=True"),
                ({"batch_size": 0}, "Received: batch_size=0"),
                ({"batch_size": 2.5}, "Received: batch_size=2.5"),
                ({"checkpoint_every": 0}, "Received: checkpoint_every=0")):
            with self.assertRaisesRegex(ValueError, message):
                runner.train(TinyBlobsRecipe(), self.tmp_path / "run",
                             verbose=0, **arguments)
        self.assertFalse((self.tmp_path / "run").exists())

    def test_refuses_foreign_or_existing_folder(self):
        directory = self.tmp_path / "run"
        runner.train(TinyBlobsRecipe(), directory, epochs=1, verbose=0)
        with self.assertRaisesRegex(ValueError, "already holds a run"):
            runner.train(TinyBlobsRecipe(), directory, epochs=1, verbose=0)
        with self.assertRaisesRegex(ValueError, "settings changed"):
            runner.train(TinyBlobsRecipe.from_preset("wide"), directory,
                         epochs=1, resume=True, verbose=0)
        config = json.loads((directory / runner.CONFIG_FILE).read_text())
        config["recipe"] = "another_recipe"
        (directory / runner.CONFIG_FILE).write_text(json.dumps(config))
        with self.assertRaisesRegex(ValueError, "belongs to recipe"):
            runner.train(TinyBlobsRecipe(), directory, resume=True,
                         verbose=0)

    def test_batches_depend_only_on_seed_and_epoch(self):
        x = np.arange(10, dtype="float32")[:, None]
        stream = runner.EpochShuffledBatches(x, x, batch_size=4, seed=3)
        resumed = runner.EpochShuffledBatches(x, x, batch_size=4, seed=3,
                                              first_epoch=1)
        self.assertEqual(stream.steps_per_epoch, 3)
        first_epoch = np.concatenate([stream[i][0] for i in range(3)])
        self.assertAllEqual(np.sort(first_epoch[:, 0]), np.arange(10))
        for step in range(3):
            self.assertAllEqual(stream[3 + step][0], resumed[step][0])
