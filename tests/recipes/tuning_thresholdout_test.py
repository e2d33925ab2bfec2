import json

import pytest

from kerastricks.recipes import tuning
from kerastricks.utils import ThresholdoutOracle
from tests.recipes.fake_recipe import TinyBlobsRecipe

pytest.importorskip("keras_tuner")
pytestmark = pytest.mark.requires_tuner


def test_make_tuner_wraps_the_oracle_and_records_the_settings(tmp_path):
    search = tuning.make_tuner(TinyBlobsRecipe(), tmp_path, max_trials=2,
                               objective="val_accuracy", report=None,
                               thresholdout={"budget": 5, "seed": 0})
    assert isinstance(search.oracle, ThresholdoutOracle)
    assert search.oracle.get_config()["training_metric"] == "accuracy"
    marker = json.loads((tmp_path / tuning.MARKER_FILE).read_text())
    assert marker["thresholdout"] == {"training_metric": "accuracy",
                                      "budget": 5, "seed": 0}


@pytest.mark.large
def test_tune_scores_trials_through_thresholdout(tmp_path):
    rows = tuning.tune(TinyBlobsRecipe(), tmp_path, max_trials=2, epochs=1,
                       objective="val_accuracy", verbose=0,
                       thresholdout={"budget": 5, "seed": 0})
    assert len(rows) == 2
    marker = json.loads((tmp_path / tuning.MARKER_FILE).read_text())
    assert marker["thresholdout"] == {"training_metric": "accuracy",
                                      "budget": 5, "seed": 0}
    search = tuning.make_tuner(TinyBlobsRecipe(), tmp_path, max_trials=2,
                               epochs=1, objective="val_accuracy",
                               report=None,
                               thresholdout={"budget": 5, "seed": 0})
    assert isinstance(search.oracle, ThresholdoutOracle)
    # Resumed from oracle.json: one query per finished trial.
    assert search.oracle.holdout.num_queries == 2
    for row in rows:
        trial = search.oracle.get_trial(row["trial"])
        assert "val_accuracy" in trial.metrics.metrics
        assert row["val_accuracy (max)"] == trial.score


def test_other_thresholdout_settings_are_refused(tmp_path):
    tuning.make_tuner(TinyBlobsRecipe(), tmp_path, max_trials=1, epochs=1,
                      objective="val_accuracy", report=None)
    with pytest.raises(ValueError, match="thresholdout: None there"):
        tuning.make_tuner(TinyBlobsRecipe(), tmp_path, max_trials=1,
                          epochs=1, objective="val_accuracy",
                          thresholdout={"budget": 5})


def test_invalid_thresholdout_arguments(tmp_path):
    with pytest.raises(TypeError, match="thresholdout=5"):
        tuning.make_tuner(TinyBlobsRecipe(), tmp_path, thresholdout=5)
    with pytest.raises(ValueError, match="'loss' has no `val_` prefix"):
        tuning.make_tuner(TinyBlobsRecipe(), tmp_path, objective="loss",
                          thresholdout={"budget": 5})
    with pytest.raises(ValueError, match="budget=0"):
        tuning.make_tuner(TinyBlobsRecipe(), tmp_path / "other",
                          objective="val_accuracy",
                          thresholdout={"budget": 0})
