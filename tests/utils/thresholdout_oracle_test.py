import json
import os

import pytest

import kerastricks
from kerastricks import testing

keras_tuner = pytest.importorskip("keras_tuner")
pytestmark = pytest.mark.requires_tuner

ThresholdoutOracle = kerastricks.utils.ThresholdoutOracle


def _space():
    hyperparameters = keras_tuner.HyperParameters()
    hyperparameters.Float("x", 0.0, 1.0)
    return hyperparameters


class _GapTuner(keras_tuner.Tuner):
    """Reports accuracy = x and val_accuracy = x - gap, without training:
    the trial's metrics come straight from its hyperparameter."""

    gap = 0.0

    def run_trial(self, trial, *args, **kwargs):
        x = trial.hyperparameters.get("x")
        return {"accuracy": x, "val_accuracy": x - self.gap}


def _random_oracle(max_trials, seed=1):
    # KerasTuner draws a random seed for seed=0 (falsy), hence 1.
    return keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("val_accuracy", "max"),
        max_trials=max_trials, hyperparameters=_space(), seed=seed)


def _search(directory, gap, max_trials, budget, seed=1, overwrite=True,
            **holdout_kwargs):
    oracle = ThresholdoutOracle(_random_oracle(max_trials, seed),
                                training_metric="accuracy", budget=budget,
                                seed=seed, **holdout_kwargs)
    tuner = type("Tuner", (_GapTuner,), {"gap": gap})(
        oracle=oracle, directory=str(directory), project_name="search",
        overwrite=overwrite)
    tuner.search(verbose=0)
    return tuner


def _scores(oracle):
    return [float(oracle.trials[trial_id].score)
            for trial_id in oracle.start_order]


class ThresholdoutOracleTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(TypeError, "oracle='abc'"):
            ThresholdoutOracle("abc", training_metric="accuracy", budget=1)
        with self.assertRaisesRegex(TypeError, "training_metric=None"):
            ThresholdoutOracle(_random_oracle(2), training_metric=None,
                               budget=1)
        with self.assertRaisesRegex(ValueError,
                                    "training_metric='val_accuracy'"):
            ThresholdoutOracle(_random_oracle(2),
                               training_metric="val_accuracy", budget=1)
        with self.assertRaisesRegex(ValueError, "budget=0"):
            ThresholdoutOracle(_random_oracle(2), training_metric="accuracy",
                               budget=0)
        wrapped = ThresholdoutOracle(_random_oracle(2),
                                     training_metric="accuracy", budget=1)
        with self.assertRaisesRegex(ValueError, "already answers"):
            ThresholdoutOracle(wrapped, training_metric="accuracy", budget=1)
        two_objectives = keras_tuner.oracles.RandomSearchOracle(
            objective=["val_accuracy", "val_loss"], max_trials=2)
        with self.assertRaisesRegex(ValueError, "single objective"):
            ThresholdoutOracle(two_objectives, training_metric="accuracy",
                               budget=1)
        oracle = ThresholdoutOracle(_random_oracle(2),
                                    training_metric="acc", budget=1)
        oracle._set_project_dir(self.make_temp_dir(), "search")
        trial = oracle.create_trial("tuner0")
        with self.assertRaisesRegex(ValueError, r"missing \['acc'\]"):
            oracle.update_trial(trial.trial_id, {"val_accuracy": 0.5})

    def test_config(self):
        inner = _random_oracle(3, seed=7)
        oracle = ThresholdoutOracle(inner, training_metric="accuracy",
                                    budget=4, threshold=0.1,
                                    noise_scale=0.02, seed=5)
        self.assertEqual(oracle.get_config(), {
            "training_metric": "accuracy", "budget": 4, "threshold": 0.1,
            "noise_scale": 0.02, "seed": 5})
        self.assertIsInstance(oracle, type(inner))
        self.assertIsInstance(oracle, keras_tuner.Oracle)
        self.assertEqual(oracle.seed, 7)  # the search's own seed is kept
        self.assertIs(type(oracle), type(ThresholdoutOracle(
            _random_oracle(1), training_metric="accuracy", budget=1)))

    def test_agreeing_trials_report_the_training_metric(self):
        tuner = _search(self.make_temp_dir(), gap=0.001, max_trials=4,
                        budget=2, noise_scale=1e-4)
        oracle = tuner.oracle
        accuracies = [oracle.trials[t].metrics.get_last_value("accuracy")
                      for t in oracle.start_order]
        self.assertEqual(_scores(oracle), accuracies)
        self.assertEqual(oracle.holdout.remaining_budget, 2)
        self.assertEqual(oracle.holdout.num_queries, 4)

    def test_overfit_trials_spend_budget_and_stop_the_search(self):
        # A gap of 0.3 crosses the threshold every time: each score is the
        # validation value plus noise, and the search stops after `budget`
        # trials although max_trials allows more.
        tuner = _search(self.make_temp_dir(), gap=0.3, max_trials=6,
                        budget=3, noise_scale=1e-3)
        oracle = tuner.oracle
        self.assertEqual(len(oracle.trials), 3)
        self.assertTrue(oracle.holdout.exhausted)
        for trial_id in oracle.start_order:
            trial = oracle.trials[trial_id]
            validation = trial.metrics.get_last_value("accuracy") - 0.3
            self.assertNotEqual(trial.score, validation)
            self.assertAllClose(trial.score, validation, atol=0.02, rtol=0)

    def test_resumed_search_answers_as_uninterrupted(self):
        directory = self.make_temp_dir()
        whole = _search(os.path.join(directory, "whole"), gap=0.05,
                        max_trials=8, budget=20)
        first = _search(os.path.join(directory, "resumed"), gap=0.05,
                        max_trials=4, budget=20)
        saved = json.load(open(first.oracle._get_oracle_fname()))
        self.assertEqual(saved["thresholdout"]["state"]["num_queries"], 4)
        resumed = _search(os.path.join(directory, "resumed"), gap=0.05,
                          max_trials=8, budget=20, overwrite=False)
        self.assertEqual(_scores(resumed.oracle), _scores(whole.oracle))
        self.assertEqual(resumed.oracle.holdout.get_state(),
                         whole.oracle.holdout.get_state())
        with self.assertRaisesRegex(ValueError, "other Thresholdout"):
            _search(os.path.join(directory, "resumed"), gap=0.05,
                    max_trials=9, budget=30, overwrite=False)

    def test_wraps_a_built_tuners_oracle(self):
        # Hyperband (and the recipes' tuners) build their own oracle:
        # wrapping it afterwards restores a saved state as well.
        directory = self.make_temp_dir()

        def hyperband(overwrite):
            tuner = type("Hyperband", (_GapTuner,), {"gap": 0.2})(
                oracle=keras_tuner.oracles.HyperbandOracle(
                    objective=keras_tuner.Objective("val_accuracy", "max"),
                    max_epochs=3, hyperparameters=_space(), seed=1),
                directory=directory, project_name="search",
                overwrite=overwrite)
            tuner.oracle = ThresholdoutOracle(
                tuner.oracle, training_metric="accuracy", budget=50, seed=0)
            return tuner

        tuner = hyperband(overwrite=True)
        tuner.search(verbose=0)
        spent = 50 - tuner.oracle.holdout.remaining_budget
        self.assertEqual(spent, len(tuner.oracle.trials))
        self.assertGreater(spent, 0)
        resumed = hyperband(overwrite=False)
        self.assertEqual(resumed.oracle.holdout.get_state(),
                         tuner.oracle.holdout.get_state())
