"""Optuna trials of a recipe: a run folder per trial, pruning after an
epoch, the best model in one call, settings shared by a study, storages."""

import numpy as np
import pytest

from kerastricks.recipes import runner
from kerastricks.recipes import tuning
from tests.recipes.fake_recipe import TinyBlobsRecipe

pytestmark = [pytest.mark.requires_tuner,
              pytest.mark.requires_trainable_backend]
optuna = pytest.importorskip("optuna")
optuna_search = pytest.importorskip("kerastricks.recipes.optuna_search")

EPOCHS = 3
GOOD = {"units": 16, "learning_rate": 0.1}
BAD = {"units": 4, "learning_rate": 0.001}


def test_pruner_stops_a_bad_trial_after_its_first_epoch(tmp_path):
    objective = tuning.optuna_objective(
        TinyBlobsRecipe(), tmp_path, epochs=EPOCHS, objective="val_loss")
    assert (objective.metric, objective.direction) == ("val_loss",
                                                       "minimize")
    study = optuna.create_study(
        direction=objective.direction,
        pruner=optuna.pruners.MedianPruner(n_startup_trials=1))
    study.enqueue_trial(GOOD)
    study.enqueue_trial(BAD)
    study.optimize(objective, n_trials=2)

    good, bad = study.trials
    assert good.state == optuna.trial.TrialState.COMPLETE
    assert sorted(good.intermediate_values) == list(range(1, EPOCHS + 1))
    good_history = runner.read_history(
        tmp_path / "trial_00000" / runner.METRICS_FILE).history
    assert good.value == good_history["val_loss"][-1]
    assert good.user_attrs["hyperparameters"] == GOOD
    assert (tmp_path / "trial_00000" / runner.MODEL_FILE).exists()

    assert bad.state == optuna.trial.TrialState.PRUNED, bad
    assert list(bad.intermediate_values) == [1]
    assert bad.intermediate_values[1] > good.intermediate_values[1]
    bad_folder = tmp_path / "trial_00001"
    assert runner.read_history(bad_folder / runner.METRICS_FILE).epoch == [0]
    assert list(runner.checkpoints(bad_folder)) == [1]
    assert not (bad_folder / runner.MODEL_FILE).exists()


def test_shared_study_runs_to_its_budget_and_loads_the_best_model(
        tmp_path, capsys):
    storage = f"journal://{tmp_path}/study.log"
    common = dict(storage=storage, study_name="blobs",
                  directory=tmp_path / "trials", epochs=1, pruner="none")
    rows = optuna_search.optimize(TinyBlobsRecipe(), n_trials=1, **common)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "Trial 0 COMPLETE val_accuracy="), lines
    assert lines[0].endswith("(best val_accuracy="
                             f"{rows[0]['val_accuracy (max)']:.4g}, trial 0)")
    # Joining again with a larger budget runs only the missing trial.
    rows = optuna_search.optimize(TinyBlobsRecipe(), n_trials=2, verbose=0,
                                  **common)
    assert capsys.readouterr().out == ""
    assert sorted(row["trial"] for row in rows) == [0, 1]
    assert [row["status"] for row in rows] == ["COMPLETE", "COMPLETE"]
    assert rows[0]["val_accuracy (max)"] >= rows[1]["val_accuracy (max)"]
    log = (tmp_path / "trials" / tuning.TRIALS_LOG).read_text().split("\n")
    assert [line.split()[1:] for line in log if line] == [
        ["0", "COMPLETE"], ["1", "COMPLETE"]]
    summary = (tmp_path / "trials" / tuning.SUMMARY_MARKDOWN).read_text()
    assert summary.startswith(
        "| trial | status | val_accuracy (max) | units | learning_rate |")

    best = tuning.load_best_model(storage, "blobs")
    best_row = rows[0]
    expected = runner.read_history(
        tmp_path / "trials" / f"trial_{best_row['trial']:05d}"
        / runner.METRICS_FILE).history["val_accuracy"][-1]
    assert best_row["val_accuracy (max)"] == expected
    assert best.layers[0].units == best_row["units"]
    x = np.zeros((2, 4), "float32")
    assert best.predict(x, verbose=0).shape == (2, 3)

    with pytest.raises(ValueError, match=r"holds a search with other "
                       r"settings \(seed: 0 there, 1 now\)"):
        optuna_search.optimize(TinyBlobsRecipe(), n_trials=4, seed=1,
                               **common)
    with pytest.raises(ValueError, match="No study named 'other'"):
        tuning.load_best_model(storage, "other")


def test_storage_urls_are_checked():
    for url, message in (
        ("", "must be an Optuna storage URL"),
        ("journal:", "A journal storage needs a file path"),
        ("nosuchdb://host/db", "Cannot open the Optuna storage"),
    ):
        with pytest.raises(ValueError, match=message):
            optuna_search.make_storage(url)
    with pytest.raises(ValueError, match="Received: pruner='asha'"):
        optuna_search.make_pruner("asha", epochs=3)
