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
import threading

from kerastricks.utils.optional_dependencies import import_optional

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


def check_directory(directory, recipe_name, tuner):
    """Claims `directory` for `recipe_name`, or refuses a foreign one."""
    directory = pathlib.Path(directory)
    marker = directory / MARKER_FILE
    claim = {"recipe": recipe_name, "tuner": tuner}
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
            directory.mkdir(parents=True, exist_ok=True)
            partial = directory / f".{MARKER_FILE}.{os.getpid()}.partial"
            partial.write_text(json.dumps(claim, sort_keys=True) + "\n")
            os.replace(partial, marker)
    owner = json.loads(marker.read_text())
    if owner != claim:
        raise ValueError(
            f"Tuner directory {directory} belongs to recipe "
            f"{owner.get('recipe')!r} with tuner {owner.get('tuner')!r}; "
            f"refusing to mix in recipe {recipe_name!r} with tuner "
            f"{tuner!r}. Choose another directory."
        )


def make_tuner(recipe, directory, tuner="random", max_trials=10, epochs=None,
               objective=None, seed=0, overwrite=False):
    """A KerasTuner tuner over `recipe`, searching around its preset.

    `objective` is a metric name (direction: "max" for accuracies and
    scores, "min" otherwise) and defaults to `recipe.objective`.
    """
    keras_tuner = import_optional("keras_tuner", "kerastricks tune")
    if tuner not in TUNERS:
        raise ValueError(
            f"Argument `tuner` must be one of {list(TUNERS)}. "
            f"Received: tuner={tuner!r}"
        )
    if int(max_trials) < 1:
        raise ValueError(
            "Argument `max_trials` must be a positive integer. "
            f"Received: max_trials={max_trials!r}"
        )
    check_directory(directory, recipe.name, tuner)
    tuner_cls = {
        "random": keras_tuner.RandomSearch,
        "bayesian": keras_tuner.BayesianOptimization,
        "hyperband": keras_tuner.Hyperband,
    }[tuner]
    logged_cls = type(f"Logged{tuner_cls.__name__}", (_TrialLog, tuner_cls),
                      {})
    common = dict(
        hypermodel=recipe,
        objective=_objective(keras_tuner, recipe, objective),
        seed=seed,
        hyperparameters=recipe.hyperparameters,
        tune_new_entries=True,
        directory=str(directory),
        project_name=recipe.name,
        overwrite=overwrite,
    )
    if tuner == "hyperband":
        # Hyperband sizes its brackets from max_epochs, not max_trials.
        return logged_cls(max_epochs=int(epochs or recipe.default_epochs),
                          factor=3, hyperband_iterations=1, **common)
    return logged_cls(max_trials=int(max_trials), **common)


def _objective(keras_tuner, recipe, name):
    if name is None:
        name, direction = recipe.objective
    elif name == recipe.objective[0]:
        direction = recipe.objective[1]
    else:
        maximized = ("acc", "f1", "auc", "precision", "recall", "score")
        direction = "max" if any(m in name for m in maximized) else "min"
    return keras_tuner.Objective(name, direction)


class _TrialLog:
    """Appends `<tuner id> <trial id> <status>` to trials.log per trial."""

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        line = f"{self.tuner_id} {trial.trial_id} {trial.status}\n"
        path = os.path.join(os.path.dirname(self.project_dir), TRIALS_LOG)
        # One short O_APPEND write per line: workers never interleave.
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)


def tune(recipe, directory, tuner="random", max_trials=10, epochs=None,
         data=None, objective=None, seed=0, overwrite=False,
         verbose="auto"):
    """Searches `recipe`'s space; returns the summary rows, best first.

    Args:
        recipe: a `recipes.Recipe` instance; its `hyperparameters` (from a
            preset or overrides) are the starting point of the search.
        directory: the tuner folder (refused if it belongs to another
            recipe or tuner).
        tuner: `"random"`, `"bayesian"` or `"hyperband"`.
        max_trials: number of trials (ignored by Hyperband).
        epochs: epochs per trial (Hyperband: its `max_epochs`). Defaults to
            `recipe.default_epochs`.
        data: dataset name for `recipe.load_data`.
        objective: the metric to optimize. Defaults to `recipe.objective`.
        seed: seeds the search and the data split.
        overwrite: start afresh instead of continuing a saved search.
        verbose: passed to `model.fit`.

    Returns:
        The summary rows (dicts), or `None` on a distributed worker, which
        leaves the summary to the chief.
    """
    directory = pathlib.Path(directory)
    role = distributed_role()
    search = make_tuner(recipe, directory, tuner=tuner,
                        max_trials=max_trials, epochs=epochs,
                        objective=objective, seed=seed, overwrite=overwrite)
    splits = recipe.load_data(data, seed=seed)
    fit_kwargs = {"validation_data": splits["validation"], "verbose": verbose}
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
    """One dict per trial: id, status, score, then hyperparameter values."""
    direction = getattr(oracle.objective, "direction", "min")
    trials = list(oracle.trials.values())
    finished = [t for t in trials if t.score is not None]
    finished.sort(key=lambda t: t.score, reverse=direction == "max")
    ordered = finished + [t for t in trials if t.score is None]
    return [
        {"trial": trial.trial_id, "status": trial.status,
         "score": trial.score, **trial.hyperparameters.values}
        for trial in ordered
    ]


def write_summary(rows, directory):
    """Writes summary.csv and summary.md (best trial first)."""
    directory = pathlib.Path(directory)
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    with open(directory / SUMMARY_CSV, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| " + " | ".join(columns) + " |",
             "|" + " --- |" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(
            _format_cell(row.get(column, "")) for column in columns) + " |")
    (directory / SUMMARY_MARKDOWN).write_text("\n".join(lines) + "\n")
    return directory / SUMMARY_CSV


def _format_cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
