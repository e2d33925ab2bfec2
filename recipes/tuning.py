"""Tuning a recipe with KerasTuner, alone or as a chief/worker fleet.

`tune(recipe, directory, ...)` runs RandomSearch, BayesianOptimization or
Hyperband on the recipe's `HyperModel`, around its preset if it has one, and
writes into `directory`:

```text
<directory>/
  kerastricks_tuner.json   marker: which recipe and tuner own this folder
  <recipe name>/           KerasTuner's own project folder (oracle, trials)
  trials.log               "<tuner id> <trial id> <status>" per finished trial
  summary.csv              one row per trial, best first
  summary.md               the same as a Markdown table
```

Distributed tuning uses KerasTuner's own protocol: every process runs the
same command with `KERASTUNER_TUNER_ID` (`chief` for the one holding the
oracle, `tuner0`, `tuner1`, ... for the workers), `KERASTUNER_ORACLE_IP` and
`KERASTUNER_ORACLE_PORT` set; the chief serves trials over gRPC and writes
the summary once every worker is done.
"""

import csv
import json
import os
import pathlib
import shutil
import threading

from kerastricks.recipes.runner import describe_changed_settings
from kerastricks.utils.optional_dependencies import import_optional
from kerastricks.utils.thresholdout_oracle import ThresholdoutOracle

TUNERS = ("random", "bayesian", "hyperband")
MARKER_FILE = "kerastricks_tuner.json"
TRIALS_LOG = "trials.log"
SUMMARY_CSV = "summary.csv"
SUMMARY_MARKDOWN = "summary.md"
DISTRIBUTED_VARIABLES = ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP",
                         "KERASTUNER_ORACLE_PORT")


def distributed_role():
    """`"chief"`, `"worker"` or `None` from the KERASTUNER_* variables."""
    present = [name for name in DISTRIBUTED_VARIABLES if name in os.environ]
    if not present:
        return None
    missing = sorted(set(DISTRIBUTED_VARIABLES) - set(present))
    if missing:
        raise ValueError(
            "Distributed tuning needs all of "
            f"{list(DISTRIBUTED_VARIABLES)}; missing: {missing}."
        )
    if "chief" in os.environ["KERASTUNER_TUNER_ID"]:
        return "chief"
    return "worker"


# The settings a search keeps for life: trials run with other values would
# not be comparable (max_trials may grow, to extend a search).
SEARCH_SETTINGS = ("recipe", "tuner", "preset", "objective",
                   "hyperparameters", "epochs", "data", "seed",
                   "thresholdout")
# What `kerastricks tune` writes into its folder (and --overwrite removes).
OWN_FILES = (MARKER_FILE, TRIALS_LOG, SUMMARY_CSV, SUMMARY_MARKDOWN)


def search_settings(recipe, tuner, objective=None, epochs=None, data=None,
                    seed=0, thresholdout=None):
    """The settings of a search, as stored in the folder's marker file."""
    name, direction = objective_of(recipe, objective)
    if thresholdout is not None:
        thresholdout = _thresholdout_arguments(thresholdout, name)
    return {
        "recipe": recipe.name,
        "tuner": tuner,
        "preset": getattr(recipe, "preset", None),
        "objective": [name, direction],
        "hyperparameters": dict(recipe.hyperparameters.values),
        "epochs": int(epochs or recipe.default_epochs),
        "data": data,
        "seed": seed,
        "thresholdout": thresholdout,
    }


def _thresholdout_arguments(thresholdout, objective_name):
    """`ThresholdoutOracle` keyword arguments, the training metric defaulting
    to the objective without its `val_` prefix."""
    if not isinstance(thresholdout, dict):
        raise TypeError(
            "Argument `thresholdout` must be a dict of "
            "`kerastricks.utils.ThresholdoutOracle` arguments such as "
            f"{{'budget': 50}}, or None. Received: thresholdout="
            f"{thresholdout!r} of type {type(thresholdout).__name__}"
        )
    if "training_metric" in thresholdout:
        return dict(thresholdout)
    if not objective_name.startswith("val_"):
        raise ValueError(
            f"The objective {objective_name!r} has no `val_` prefix to drop: "
            "name its training counterpart in `thresholdout` "
            f"('training_metric'). Received: thresholdout={thresholdout!r}"
        )
    return {"training_metric": objective_name.removeprefix("val_"),
            **thresholdout}


def check_directory(directory, settings, overwrite=False, role=None):
    """Claims `directory` for a search with `settings`, or refuses.

    A folder of another recipe, or of a search with other settings, is
    refused; with `overwrite` (and not on a distributed worker, which
    follows its chief) a search of the same recipe is replaced by a fresh
    one: its KerasTuner project, trials.log and summaries are removed.
    """
    directory = pathlib.Path(directory)
    marker = directory / MARKER_FILE
    if not marker.exists():
        others = [path for path in directory.iterdir()
                  if not path.name.startswith(f".{MARKER_FILE}")
                  ] if directory.exists() else []
        # Re-checked: a chief started alongside may have just claimed it.
        if others and not marker.exists():
            raise ValueError(
                f"Directory {directory} is not empty and was not created by "
                "`kerastricks tune`; refusing to write a tuner into it. "
                "Choose another directory."
            )
        if not others:
            _write_marker(directory, settings)
            return
    owner = json.loads(marker.read_text())
    if owner.get("recipe") != settings["recipe"]:
        raise ValueError(
            f"Tuner directory {directory} belongs to recipe "
            f"{owner.get('recipe')!r}; refusing to mix in recipe "
            f"{settings['recipe']!r}. Choose another directory."
        )
    if role == "worker":
        return
    if overwrite:
        print(f"Starting a fresh search in {directory} (overwrite).")
        _remove_search(directory, settings)
        return
    details = describe_changed_settings(owner, settings, SEARCH_SETTINGS)
    if details:
        raise ValueError(
            f"Tuner directory {directory} holds a search with other "
            f"settings ({details}). Its trials would not be comparable: "
            "pass --overwrite (overwrite=True) to start a fresh search "
            "there, or choose another directory."
        )


def _remove_search(directory, settings):
    shutil.rmtree(directory / settings["recipe"], ignore_errors=True)
    for name in OWN_FILES:
        (directory / name).unlink(missing_ok=True)
    _write_marker(directory, settings)


def _write_marker(directory, settings):
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{MARKER_FILE}.{os.getpid()}.partial"
    partial.write_text(json.dumps(settings, sort_keys=True) + "\n")
    os.replace(partial, directory / MARKER_FILE)


def make_tuner(recipe, directory, tuner="random", max_trials=10, epochs=None,
               objective=None, seed=0, overwrite=False, data=None,
               report=print, thresholdout=None):
    """A KerasTuner tuner over `recipe`, searching around its preset.

    `objective` is a metric name (direction: "max" for accuracies and
    scores, "min" otherwise) and defaults to `recipe.objective`. The tuner
    calls `report` with one line per finished trial (`None`: silent).
    `thresholdout` (a dict of `kerastricks.utils.ThresholdoutOracle`
    arguments) scores the trials through Thresholdout.
    """
    keras_tuner = import_optional("keras_tuner", "kerastricks tune")
    if tuner not in TUNERS:
        raise ValueError(
            f"Argument `tuner` must be one of {list(TUNERS)}. "
            f"Received: tuner={tuner!r}"
        )
    if (isinstance(max_trials, bool) or not isinstance(max_trials, int)
            or max_trials < 1):
        raise ValueError(
            "Argument `max_trials` must be a positive integer. "
            f"Received: max_trials={max_trials!r}"
        )
    if epochs is not None and (isinstance(epochs, bool)
                               or not isinstance(epochs, int) or epochs < 1):
        raise ValueError(
            "Argument `epochs` must be a positive integer or None. "
            f"Received: epochs={epochs!r}"
        )
    settings = search_settings(recipe, tuner, objective=objective,
                               epochs=epochs, data=data, seed=seed,
                               thresholdout=thresholdout)
    role = distributed_role()
    check_directory(directory, settings, overwrite=overwrite, role=role)
    tuner_cls = {
        "random": keras_tuner.RandomSearch,
        "bayesian": keras_tuner.BayesianOptimization,
        "hyperband": keras_tuner.Hyperband,
    }[tuner]
    logged_cls = type(f"Logged{tuner_cls.__name__}", (_TrialLog, tuner_cls),
                      {"report": staticmethod(report) if report else None})
    common = dict(
        hypermodel=recipe,
        objective=keras_tuner.Objective(*settings["objective"]),
        seed=seed,
        hyperparameters=recipe.hyperparameters,
        tune_new_entries=True,
        directory=str(directory),
        project_name=recipe.name,
        overwrite=overwrite,
    )
    if tuner == "hyperband":
        # Hyperband sizes its brackets from max_epochs, not max_trials.
        search = logged_cls(max_epochs=settings["epochs"],
                            factor=3, hyperband_iterations=1, **common)
    else:
        search = logged_cls(max_trials=max_trials, **common)
    # Workers only relay trials to the chief's oracle, which answers.
    if settings["thresholdout"] is not None and role != "worker":
        search.oracle = ThresholdoutOracle(search.oracle,
                                           **settings["thresholdout"])
    return search


def objective_of(recipe, name=None):
    """`(metric name, "max" | "min")`: `recipe.objective` by default."""
    if name is None:
        return tuple(recipe.objective)
    if name == recipe.objective[0]:
        return tuple(recipe.objective)
    maximized = ("acc", "f1", "auc", "precision", "recall", "score")
    return name, "max" if any(m in name for m in maximized) else "min"


class _TrialLog:
    """Appends `<tuner id> <trial id> <status>` to trials.log per trial and
    reports one line per trial (`report`, a class attribute)."""

    report = None

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        append_line(
            os.path.join(os.path.dirname(self.project_dir), TRIALS_LOG),
            f"{self.tuner_id} {trial.trial_id} {trial.status}")
        if self.report is not None:
            self.report(self._trial_line(trial))

    def _trial_line(self, trial):
        objective = self.oracle.objective
        ended = self.oracle.get_trial(trial.trial_id)
        best = self.oracle.get_best_trials(1)
        text = f"Trial {trial.trial_id} {ended.status}"
        if ended.score is not None:
            text += f" {objective.name}={ended.score:.4g}"
        if best and best[0].score is not None:
            text += (f" (best {objective.name}={best[0].score:.4g}, trial "
                     f"{best[0].trial_id})")
        return text


def append_line(path, line):
    """Appends `line` and a newline to the file at `path` in one short
    O_APPEND write, so lines of concurrent workers never interleave."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(descriptor, (line + "\n").encode())
    finally:
        os.close(descriptor)


def tune(recipe, directory, tuner="random", max_trials=10, epochs=None,
         data=None, objective=None, seed=0, overwrite=False, verbose=1,
         thresholdout=None):
    """Searches `recipe`'s space; returns the summary rows, best first.

    Args:
        recipe: a `recipes.Recipe` instance; its `hyperparameters` (from a
            preset or overrides) are the starting point of the search.
        directory: the tuner folder. One of another recipe, or of a search
            with other settings (preset, objective, hyperparameters, epochs,
            data, seed), is refused unless `overwrite`.
        tuner: `"random"`, `"bayesian"` or `"hyperband"`.
        max_trials: number of trials (ignored by Hyperband).
        epochs: epochs per trial (Hyperband: its `max_epochs`). Defaults to
            `recipe.default_epochs`.
        data: dataset name for `recipe.load_data`.
        objective: the metric to optimize. Defaults to `recipe.objective`.
        seed: seeds the search and the data split.
        overwrite: start a fresh search, removing an earlier one of this
            recipe in `directory`.
        verbose: 0 prints nothing, 1 a line per trial, 2 also KerasTuner's
            and Keras's own output (progress bars, search space). Defaults
            to `1`.
        thresholdout: None, or a dict of
            `kerastricks.utils.ThresholdoutOracle` arguments (`budget`,
            `threshold`, `noise_scale`, `seed`, `training_metric`, which
            defaults to the objective without its `val_` prefix): each
            trial's objective is then answered through Thresholdout, so a
            long search does not overfit the validation set. Defaults to
            `None`.

    Returns:
        The summary rows (dicts), or `None` on a distributed worker, which
        leaves the summary to the chief.
    """
    if verbose not in (0, 1, 2):
        raise ValueError(
            f"Argument `verbose` must be 0, 1 or 2. Received: "
            f"verbose={verbose!r}"
        )
    directory = pathlib.Path(directory)
    role = distributed_role()
    search = make_tuner(recipe, directory, tuner=tuner,
                        max_trials=max_trials, epochs=epochs,
                        objective=objective, seed=seed, overwrite=overwrite,
                        data=data, report=print if verbose == 1 else None,
                        thresholdout=thresholdout)
    splits = recipe.load_data(data, seed=seed)
    fit_kwargs = {"validation_data": splits["validation"],
                  "verbose": "auto" if verbose == 2 else 0}
    if tuner != "hyperband":
        fit_kwargs["epochs"] = int(epochs or recipe.default_epochs)
    if role == "chief":
        _serve_until_workers_finish(search, splits["train"], fit_kwargs)
    else:
        search.search(*splits["train"], **fit_kwargs)
    if role == "worker":
        return None
    rows = summary_rows(search.oracle)
    write_summary(rows, directory)
    return rows


def _serve_until_workers_finish(search, train, fit_kwargs):
    """Runs the chief's oracle server until the fleet is done.

    KerasTuner's chief notices the end by polling every 20 s; watching the
    oracle here lets the chief write its summary as soon as every trial has
    ended and every worker has been told to stop.
    """
    server = threading.Thread(target=search.search, args=train,
                              kwargs=fit_kwargs, daemon=True)
    server.start()
    oracle = search.oracle
    while server.is_alive():
        server.join(0.5)
        if (oracle.max_trials and len(oracle.trials) >= oracle.max_trials
                and not oracle.ongoing_trials and not oracle.tuner_ids):
            return


def summary_rows(oracle):
    """One dict per trial, best first: id, status, the objective's value
    (the column is named after the metric and its direction, e.g.
    `val_accuracy (max)`), then the hyperparameter values."""
    objective = oracle.objective
    direction = getattr(objective, "direction", "min")
    score_column = f"{objective.name} ({direction})"
    trials = list(oracle.trials.values())
    finished = [t for t in trials if t.score is not None]
    finished.sort(key=lambda t: t.score, reverse=direction == "max")
    ordered = finished + [t for t in trials if t.score is None]
    return [
        {"trial": trial.trial_id, "status": trial.status,
         score_column: trial.score, **trial.hyperparameters.values}
        for trial in ordered
    ]


def write_summary(rows, directory):
    """Writes summary.csv and summary.md (best trial first)."""
    directory = pathlib.Path(directory)
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    # Written aside and renamed: workers of one study may write at once.
    partial = directory / f".{SUMMARY_CSV}.{os.getpid()}.partial"
    with open(partial, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, directory / SUMMARY_CSV)
    lines = ["| " + " | ".join(columns) + " |",
             "|" + " --- |" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(
            _format_cell(row.get(column, "")) for column in columns) + " |")
    partial = directory / f".{SUMMARY_MARKDOWN}.{os.getpid()}.partial"
    partial.write_text("\n".join(lines) + "\n")
    os.replace(partial, directory / SUMMARY_MARKDOWN)
    return directory / SUMMARY_CSV


def _format_cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def optuna_objective(recipe, directory, **kwargs):
    """An Optuna objective that trains `recipe` with each trial's values,
    drawn from the recipe's own search space, into a run folder per trial
    under `directory`; for `study.optimize(objective, n_trials=...)`.

    ```python
    objective = tuning.optuna_objective(recipe, "tuning/grokking")
    study = optuna.create_study(direction=objective.direction)
    study.optimize(objective, n_trials=8)
    ```

    The keyword arguments (`epochs`, `batch_size`, `data`, `objective`,
    `seed`, `checkpoint_every`, `verbose`) are those of
    `kerastricks.recipes.optuna_search.optuna_objective`.
    """
    from kerastricks.recipes import optuna_search

    return optuna_search.optuna_objective(recipe, directory, **kwargs)


def load_best_model(storage, study_name):
    """The model of an Optuna study's best trial (its run folder's
    model.keras); `storage` is the study's storage URL."""
    from kerastricks.recipes import optuna_search

    return optuna_search.load_best_model(storage, study_name)
