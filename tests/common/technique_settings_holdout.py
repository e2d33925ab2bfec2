"""Contract rows and fuzz ranges of the reusable holdout (Thresholdout):
`ReusableHoldout` and the KerasTuner oracle wrapper `ThresholdoutOracle`
(merged into `technique_settings.SETTINGS`)."""

import importlib

from tests.references import thresholdout as thresholdout_reference

# Agreeing pairs, then pairs far apart that spend the budget.
_PAIRS = [(0.50, 0.51), (0.70, 0.69), (0.60, 0.95), (0.40, 0.05),
          (0.80, 0.81)]
_HOLDOUT_KWARGS = {"budget": 5, "threshold": 0.04, "noise_scale": 0.01,
                   "seed": 3}


def _answers(holdout):
    return [holdout.query(*pair) for pair in _PAIRS]


def _oracle_kwargs():
    # keras_tuner is imported here: library code never imports it, and the
    # oracle only exists for KerasTuner searches.
    keras_tuner = importlib.import_module("keras_tuner")
    hyperparameters = keras_tuner.HyperParameters()
    hyperparameters.Float("x", 0.0, 1.0)
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("val_accuracy", "max"),
        max_trials=3, hyperparameters=hyperparameters, seed=1)
    return {"oracle": oracle, "training_metric": "accuracy",
            **_HOLDOUT_KWARGS}


def _oracle_answers(oracle):
    """The oracle's holdout answers to the same pairs: what it would score
    trials whose accuracy and val_accuracy are those pairs."""
    return _answers(oracle.holdout)


SETTINGS = {
    "kerastricks.utils.ReusableHoldout": {
        "kind": "utility",
        "kwargs": _HOLDOUT_KWARGS,
        "expected": lambda kwargs: thresholdout_reference.np_thresholdout(
            _PAIRS, **kwargs)[0],
        "observe": _answers,
    },
    "kerastricks.utils.ThresholdoutOracle": {
        "kind": "utility",
        "kwargs": _oracle_kwargs,
        "expected": lambda kwargs: thresholdout_reference.np_thresholdout(
            _PAIRS, **_HOLDOUT_KWARGS)[0],
        "observe": _oracle_answers,
    },
}

_HOLDOUT_RANGES = {
    "budget": "count",
    "threshold": "non_negative",
    "noise_scale": "positive",
    "seed": "optional_index",
}
FUZZ_RANGES = {
    **{("ReusableHoldout", name): value
       for name, value in _HOLDOUT_RANGES.items()},
    **{("ThresholdoutOracle", name): value
       for name, value in _HOLDOUT_RANGES.items()},
    ("ThresholdoutOracle", "oracle"): "object",
    ("ThresholdoutOracle", "training_metric"): [None, 1, "", "val_accuracy"],
}
