import json
import os
import threading

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import keras_internals
from kerastricks.utils.reusable_holdout import ReusableHoldout

# One combined class per wrapped oracle class, so that wrapping twice gives
# the same type.
_COMBINED_CLASSES = {}
_STATE_KEY = "thresholdout"
# What a saved state must agree on to be resumed.
_RESUMED_SETTINGS = ("training_metric", "budget", "threshold", "noise_scale",
                     "seed")


def _is_keras_tuner_oracle(obj):
    return any(cls.__name__ == "Oracle"
               and cls.__module__.startswith("keras_tuner")
               for cls in type(obj).__mro__)


@kerastricks_export("kerastricks.utils.ThresholdoutOracle")
class ThresholdoutOracle:
    """A KerasTuner oracle whose validation scores go through Thresholdout.

    A long search reads the validation metric of every trial and keeps the
    best: an adaptive analysis that overfits the validation set, so the
    best score overstates what the chosen model does on fresh data. This
    wrapper answers each trial's objective (say `val_accuracy`) through
    `kerastricks.utils.ReusableHoldout`: the trial's training metric (say
    `accuracy`) is reported while it agrees with the validation metric to
    within a noisy threshold; otherwise the validation metric plus Laplace
    noise is reported and one unit of the budget is spent. The search sees
    only these answers (the raw validation value is not stored in the
    trial); when the budget is spent, it stops, as the algorithm does.

    It takes over an existing oracle of any KerasTuner class
    (`RandomSearchOracle`, `BayesianOptimizationOracle`,
    `HyperbandOracle`, ...): the result is an instance of both this class
    and the oracle's own, so it searches exactly as before. Its state (the
    remaining budget, the noisy threshold and the generator) is saved in
    the oracle's own `oracle.json` and restored with it when a tuner
    resumes from its directory; a resumed search answers as an
    uninterrupted one would.

    ```python
    score = objective metric of the trial (e.g. val_accuracy)
    train = training metric of the trial (e.g. accuracy)
    reported score = ReusableHoldout.query(train, score)
    ```

    Args:
        oracle: a `keras_tuner.Oracle` with a single objective. It is taken
            over: use the returned oracle from then on.
        training_metric: str. The name of the training counterpart of the
            objective in the trial's metrics (`"accuracy"` for
            `"val_accuracy"`, `"loss"` for `"val_loss"`).
        budget: int. How many trials may be scored from the validation set
            (B in the paper).
        threshold: float. T in the paper. Defaults to `0.04`.
        noise_scale: float. sigma in the paper. Defaults to `0.01`.
        seed: int or None. Seeds the noise; kept as `holdout_seed`, since
            the oracle's own `seed` stays the search's. Defaults to `None`.

    Example:

    ```python
    import keras_tuner

    oracle = kerastricks.utils.ThresholdoutOracle(
        keras_tuner.oracles.RandomSearchOracle(
            objective=keras_tuner.Objective("val_accuracy", "max"),
            max_trials=50),
        training_metric="accuracy", budget=20, seed=0)
    tuner = keras_tuner.Tuner(oracle=oracle, hypermodel=build_model,
                              directory="search")
    ```

    References:
    - [Dwork et al., 2015, The reusable holdout: Preserving validity in
      adaptive data analysis](https://doi.org/10.1126/science.aaa9375)
    - [Dwork et al., 2015, Generalization in Adaptive Data Analysis and
      Holdout Reuse](https://arxiv.org/abs/1506.02629)
    """

    def __new__(cls, oracle, *args, **kwargs):
        if isinstance(oracle, ThresholdoutOracle):
            raise ValueError(
                "Argument `oracle` already answers through Thresholdout; "
                f"wrap the original oracle once. Received: oracle={oracle!r}"
            )
        if not _is_keras_tuner_oracle(oracle):
            raise TypeError(
                "Argument `oracle` must be a `keras_tuner.Oracle` (such as "
                "`keras_tuner.oracles.RandomSearchOracle`). "
                f"Received: oracle={oracle!r} of type "
                f"{type(oracle).__name__}"
            )
        base = type(oracle)
        if base not in _COMBINED_CLASSES:
            _COMBINED_CLASSES[base] = type(
                f"Thresholdout{base.__name__}", (cls, base),
                {"__module__": cls.__module__})
        return object.__new__(_COMBINED_CLASSES[base])

    def __init__(self, oracle, training_metric, budget, threshold=0.04,
                 noise_scale=0.01, seed=None):
        objective = oracle.objective
        if hasattr(objective, "objectives") or not hasattr(objective,
                                                           "name"):
            raise ValueError(
                "Argument `oracle` must have a single objective: "
                "Thresholdout answers one validation metric per trial. "
                f"Received: oracle.objective={objective!r}"
            )
        if not isinstance(training_metric, str) or not training_metric:
            raise TypeError(
                "Argument `training_metric` must be a metric name such as "
                f"'accuracy'. Received: training_metric={training_metric!r} "
                f"of type {type(training_metric).__name__}"
            )
        if training_metric == objective.name:
            raise ValueError(
                "Argument `training_metric` must name the training metric, "
                f"not the objective {objective.name!r} itself. "
                f"Received: training_metric={training_metric!r}"
            )
        holdout = ReusableHoldout(budget=budget, threshold=threshold,
                                  noise_scale=noise_scale, seed=seed)
        self.__dict__.update(oracle.__dict__)
        keras_internals.rebind_oracle_display(self)
        self.training_metric = training_metric
        self.budget = holdout.budget
        self.threshold = holdout.threshold
        self.noise_scale = holdout.noise_scale
        self.holdout_seed = seed
        self.holdout = holdout
        self._holdout_lock = threading.Lock()
        self._restore_saved_holdout()

    def get_config(self):
        return {"training_metric": self.training_metric,
                "budget": self.budget, "threshold": self.threshold,
                "noise_scale": self.noise_scale, "seed": self.holdout_seed}

    def update_trial(self, trial_id, metrics, step=0):
        name = self.objective.name
        missing = [key for key in (name, self.training_metric)
                   if key not in metrics]
        if missing:
            raise ValueError(
                f"Thresholdout needs both {name!r} and its training "
                f"counterpart {self.training_metric!r} among the trial's "
                f"metrics; missing {missing}. Received: metrics="
                f"{sorted(metrics)}"
            )
        with self._holdout_lock:
            answer = self.holdout.query(float(metrics[self.training_metric]),
                                        float(metrics[name]))
        return super().update_trial(trial_id, {**metrics, name: answer},
                                    step=step)

    def populate_space(self, trial_id):
        if self.holdout.exhausted:
            # The algorithm stops once its budget is spent.
            return {"status": "STOPPED", "values": None}
        return super().populate_space(trial_id)

    def get_state(self):
        state = super().get_state()
        state[_STATE_KEY] = {"config": self.get_config(),
                             "state": self.holdout.get_state()}
        return state

    def set_state(self, state):
        super().set_state(state)
        self._set_holdout_state(state.get(_STATE_KEY))

    def _set_holdout_state(self, saved):
        if saved is None:
            return
        ours = self.get_config()
        differing = {key: saved["config"].get(key) for key in
                     _RESUMED_SETTINGS if saved["config"].get(key)
                     != ours[key]}
        if differing:
            raise ValueError(
                "The saved search used other Thresholdout settings "
                f"({differing}) than this oracle ({ours}); its answers would "
                "not be comparable. Use the same settings, or start a fresh "
                "search (overwrite=True)."
            )
        self.holdout.set_state(saved["state"])

    def _restore_saved_holdout(self):
        # A tuner that resumed before the oracle was wrapped has already
        # read oracle.json without the Thresholdout part.
        path = keras_internals.oracle_state_path(self)
        if path is not None and os.path.exists(path):
            with open(path) as file:
                self._set_holdout_state(json.load(file).get(_STATE_KEY))
