"""Searching a recipe's space with Optuna, from one process or many.

The search space is the recipe's own: `draw_hyperparameters(recipe, trial)`
runs `recipe.declare_hyperparameters` on a `HyperParameters` whose values
are drawn from the trial as each knob is declared, so a knob inside
`hp.conditional_scope` is drawn only when its condition holds. Each
KerasTuner knob maps to one Optuna distribution (`optuna_parameter`):

| KerasTuner                                 | Optuna                   |
| ------------------------------------------ | ------------------------ |
| `Choice(values)`                           | categorical, `values`    |
| `Boolean`                                  | categorical, both values |
| `Fixed(value)`                             | categorical, `[value]`   |
| `Int` / `Float`, linear, optional `step`   | int / float, that step   |
| `Int` / `Float`, `sampling="log"`          | int / float, `log=True`  |
| `sampling="log"`, `step` (`min * step**i`) | categorical, those values|
| `sampling="reverse_log"`                   | `NAME:reflected`, log    |

Optuna has no reverse-log sampling: a `reverse_log` knob (values crowded
near `max_value`, e.g. an EMA momentum) is searched as its reflection
`min_value + max_value - value`, which is log-uniform on the same range,
under the parameter name `NAME:reflected`. Every trial also records the
values the model was built with in its user attribute `hyperparameters`.

Each trial trains with `runner.train` into its own run folder,
`<directory>/trial_<number>/` (config.json, metrics.csv, checkpoints,
model.keras), reports the objective after every epoch and is pruned when
the study's pruner says so. `kerastricks tune RECIPE --engine optuna
--storage URL --study NAME` runs `optimize`; every process that runs the
same command joins the same study.
"""

import copy
import os
import pathlib
import socket
import warnings
import zlib

import keras

from kerastricks.recipes import runner
from kerastricks.recipes import tuning
from kerastricks.utils.optional_dependencies import import_optional

PRUNERS = ("median", "hyperband", "none")
REFLECTED_SUFFIX = ":reflected"
TRIAL_FOLDER = "trial_{number:05d}"
# The study's user attribute holding the settings every worker must share.
SETTINGS_ATTRIBUTE = "kerastricks_settings"
SEARCH_SETTINGS = tuning.SEARCH_SETTINGS + ("pruner",)

keras_tuner = import_optional("keras_tuner", "kerastricks.recipes")


def import_optuna():
    """`optuna`, or a `MissingDependencyError` with the install hint."""
    return import_optional("optuna", "kerastricks tune --engine optuna")


# ------------------------------------------------------- the search space
def optuna_parameter(hp):
    """`(parameter name, optuna distribution)` searching the KerasTuner
    hyperparameter `hp` (see the module's table)."""
    optuna = import_optuna()
    distributions = optuna.distributions
    kind = type(hp).__name__
    if kind == "Choice":
        return hp.name, distributions.CategoricalDistribution(
            list(hp.values))
    if kind == "Boolean":
        return hp.name, distributions.CategoricalDistribution([False, True])
    if kind == "Fixed":
        return hp.name, distributions.CategoricalDistribution([hp.value])
    if kind not in ("Int", "Float"):
        raise TypeError(
            f"Hyperparameter {hp.name!r} is a {kind}, which has no Optuna "
            "counterpart; supported: Choice, Boolean, Fixed, Int, Float."
        )
    if hp.sampling in ("log", "reverse_log") and hp.step is not None:
        # A geometric grid, min * step**i: no Optuna range has it.
        return hp.name, distributions.CategoricalDistribution(
            list(hp.values))
    numeric = (distributions.IntDistribution if kind == "Int"
               else distributions.FloatDistribution)
    if hp.sampling == "reverse_log":
        return hp.name + REFLECTED_SUFFIX, numeric(
            hp.min_value, hp.max_value, log=True)
    if hp.sampling == "log":
        return hp.name, numeric(hp.min_value, hp.max_value, log=True)
    if kind == "Int":
        return hp.name, numeric(hp.min_value, hp.max_value,
                                step=hp.step or 1)
    return hp.name, numeric(hp.min_value, hp.max_value, step=hp.step)


def search_space(recipe):
    """`{parameter name: (distribution, conditions)}` of every knob of
    `recipe` that is searched: not fixed by its preset or overrides, nor
    under a condition that a fixed value rules out. `conditions` is a list
    of `(parent name, parent values)` that must all hold for the knob to
    be drawn."""
    fixed = recipe.hyperparameters.values
    space = {}
    for hp in recipe.hyperparameter_space().space:
        if hp.name in fixed or any(
                condition.name in fixed
                and fixed[condition.name] not in condition.values
                for condition in hp.conditions):
            continue
        name, distribution = optuna_parameter(hp)
        conditions = [(condition.name, list(condition.values))
                      for condition in hp.conditions]
        space[name] = (distribution, conditions)
    return space


def _suggest(trial, hp):
    """Draws `hp`'s value from `trial` with its Optuna distribution."""
    optuna = import_optuna()
    name, distribution = optuna_parameter(hp)
    if isinstance(distribution, optuna.distributions.CategoricalDistribution):
        return trial.suggest_categorical(name, distribution.choices)
    suggest = (trial.suggest_int
               if isinstance(distribution,
                             optuna.distributions.IntDistribution)
               else trial.suggest_float)
    value = suggest(name, distribution.low, distribution.high,
                    step=distribution.step, log=distribution.log)
    if name.endswith(REFLECTED_SUFFIX):
        return type(value)(hp.min_value + hp.max_value - value)
    return value


class TrialHyperParameters(keras_tuner.HyperParameters):
    """A `HyperParameters` that draws each active knob from an Optuna trial
    the first time it is declared; the values in `fixed` (a preset,
    overrides) are kept as they are.

    Args:
        trial: the `optuna.Trial` the values are drawn from.
        fixed: `{name: value}` that are not searched.
    """

    def __init__(self, trial, fixed):
        super().__init__()
        self.trial = trial
        self.values.update(fixed)
        self._not_drawn = set(fixed)

    def _draw_on_first_use(self, declare, name, *args, **kwargs):
        known = len(self.space)
        value = declare(name, *args, **kwargs)
        if len(self.space) == known:
            return value  # declared before: its value is settled
        hp = self.space[-1]
        if not self.is_active(hp) or hp.name in self._not_drawn:
            return value
        self._not_drawn.add(hp.name)
        self.values[hp.name] = _suggest(self.trial, hp)
        return self.values[hp.name]

    def Choice(self, name, *args, **kwargs):
        return self._draw_on_first_use(super().Choice, name, *args,
                                       **kwargs)

    def Int(self, name, *args, **kwargs):
        return self._draw_on_first_use(super().Int, name, *args, **kwargs)

    def Float(self, name, *args, **kwargs):
        return self._draw_on_first_use(super().Float, name, *args,
                                       **kwargs)

    def Boolean(self, name, *args, **kwargs):
        return self._draw_on_first_use(super().Boolean, name, *args,
                                       **kwargs)

    def Fixed(self, name, *args, **kwargs):
        return self._draw_on_first_use(super().Fixed, name, *args,
                                       **kwargs)


def draw_hyperparameters(recipe, trial):
    """Walks `recipe`'s space, drawing every active knob from `trial`;
    returns the values the recipe builds with (drawn and fixed)."""
    hyperparameters = TrialHyperParameters(trial,
                                           recipe.hyperparameters.values)
    recipe.declare_hyperparameters(hyperparameters)
    return dict(hyperparameters.values)


def fixed_hyperparameters(values):
    """A `HyperParameters` fixing every value of `values`."""
    hyperparameters = keras_tuner.HyperParameters()
    for name, value in values.items():
        hyperparameters.Fixed(name, value)
    return hyperparameters


# ------------------------------------------------------------- training
class PruningCallback(keras.callbacks.Callback):
    """Reports `monitor` to an Optuna trial after every epoch and stops the
    fit with `optuna.TrialPruned` when the study's pruner says so.

    Args:
        trial: the `optuna.Trial` being trained.
        monitor: the metric of the epoch logs to report, e.g.
            `"val_accuracy"`.
    """

    def __init__(self, trial, monitor):
        super().__init__()
        self.trial = trial
        self.monitor = monitor

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"The objective {self.monitor!r} is not among the metrics "
                f"of an epoch: {sorted(logs)}. Choose one of those."
            )
        self.trial.report(float(logs[self.monitor]), step=epoch + 1)
        if self.trial.should_prune():
            raise import_optuna().TrialPruned(
                f"pruned after epoch {epoch + 1}: {self.monitor}="
                f"{float(logs[self.monitor]):.4g}")


class RecipeObjective:
    """The objective `optuna_objective` returns: call it with a trial.

    Attributes:
        direction: `"maximize"` or `"minimize"`, for `optuna.create_study`.
        metric: the metric reported per epoch and returned (the last
            epoch's value: the one of the model saved as model.keras).
    """

    def __init__(self, recipe, directory, epochs=None, batch_size=None,
                 data=None, objective=None, seed=0, checkpoint_every=1,
                 verbose=0):
        self.recipe = recipe
        self.directory = pathlib.Path(directory)
        self.epochs = runner.check_positive_count(
            "epochs", recipe.default_epochs if epochs is None else epochs)
        self.batch_size = batch_size
        self.data = data
        self.seed = seed
        self.checkpoint_every = checkpoint_every
        self.verbose = verbose
        self.metric, direction = tuning.objective_of(recipe, objective)
        self.direction = "maximize" if direction == "max" else "minimize"

    def run_folder(self, trial_number):
        return self.directory / TRIAL_FOLDER.format(number=trial_number)

    def __call__(self, trial):
        values = draw_hyperparameters(self.recipe, trial)
        run_folder = self.run_folder(trial.number)
        trial.set_user_attr("hyperparameters", values)
        trial.set_user_attr("run_folder", str(run_folder.resolve()))
        trial.set_user_attr("worker", worker_name())
        trial_recipe = copy.copy(self.recipe)
        trial_recipe.hyperparameters = fixed_hyperparameters(values)
        # One trial's graphs and layer names must not pile up on the next's.
        keras.backend.clear_session()
        runner.train(
            trial_recipe, run_folder, epochs=self.epochs,
            batch_size=self.batch_size, data=self.data, seed=self.seed,
            checkpoint_every=self.checkpoint_every, verbose=self.verbose,
            callbacks=[PruningCallback(trial, self.metric)],
        )
        history = runner.read_history(run_folder / runner.METRICS_FILE)
        return history.history[self.metric][-1]


def optuna_objective(recipe, directory, epochs=None, batch_size=None,
                     data=None, objective=None, seed=0, checkpoint_every=1,
                     verbose=0):
    """An Optuna objective training `recipe` with the trial's values.

    Each call draws the trial's values from the recipe's own space (see
    `draw_hyperparameters`), trains with `runner.train` into the run
    folder `<directory>/trial_<number>/`, reports the objective after each
    epoch (pruning raises `optuna.TrialPruned`) and returns its value after
    the last epoch.

    ```python
    objective = tuning.optuna_objective(recipe, "tuning/grokking")
    study = optuna.create_study(direction=objective.direction)
    study.optimize(objective, n_trials=8)
    ```

    Args:
        recipe: a `recipes.Recipe` instance; values its `hyperparameters`
            fix (a preset, overrides) are not searched.
        directory: the folder of the trials' run folders.
        epochs: epochs per trial. Defaults to `recipe.default_epochs`.
        batch_size: Defaults to `recipe.default_batch_size`.
        data: the dataset name for `recipe.load_data`.
        objective: the metric to optimize. Defaults to `recipe.objective`;
            the returned objective's `direction` says which way.
        seed: seeds the weights, the data split and the shuffling.
        checkpoint_every: epochs between checkpoints.
        verbose: passed to `model.fit`. Defaults to `0`.

    Returns:
        A `RecipeObjective`: call it with an `optuna.Trial`.
    """
    return RecipeObjective(recipe, directory, epochs=epochs,
                           batch_size=batch_size, data=data,
                           objective=objective, seed=seed,
                           checkpoint_every=checkpoint_every,
                           verbose=verbose)


def worker_name():
    """`host:pid` of this process, recorded with each trial it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


# -------------------------------------------------------------- studies
def make_storage(url, heartbeat=None, on_stale_trial=None):
    """An Optuna storage for `url`.

    `journal:///abs/path.log` (or `journal:relative/path.log`) is a
    journal file (file-locked, fine on NFS); any other URL is a SQLAlchemy
    URL for `optuna.storages.RDBStorage` (`sqlite:///file.db`,
    `postgresql://user@host/db`, `mysql+pymysql://user@host/db`). With
    `heartbeat` (seconds), RDB storages mark a trial failed once its
    worker has sent no heartbeat for twice that, and call
    `on_stale_trial(study, trial)`; Optuna's journal storage has no
    heartbeat.
    """
    optuna = import_optuna()
    if not isinstance(url, str) or not url:
        raise ValueError(
            "Argument `storage` must be an Optuna storage URL such as "
            "'sqlite:///study.db' or 'journal:///path/study.log'. "
            f"Received: storage={url!r}"
        )
    if url.startswith("journal:"):
        path = url[len("journal:"):]
        path = path[2:] if path.startswith("//") else path
        if not path:
            raise ValueError(
                "A journal storage needs a file path, e.g. "
                f"'journal:///path/study.log'. Received: storage={url!r}"
            )
        journal = optuna.storages.journal
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        return journal.JournalStorage(journal.JournalFileBackend(
            path, lock_obj=journal.JournalFileOpenLock(path)))
    # SQLite waits this long for another worker's write lock to go.
    engine_kwargs = ({"connect_args": {"timeout": 60}}
                     if url.startswith("sqlite") else {})
    heartbeat_kwargs = {}
    if heartbeat is not None:
        heartbeat_kwargs = {
            "heartbeat_interval": runner.check_positive_count(
                "heartbeat", heartbeat),
            "heartbeat_stale_trial_callback": on_stale_trial,
        }
    try:
        with warnings.catch_warnings():
            # The heartbeat is marked experimental; it is what fails the
            # trials of killed workers.
            warnings.simplefilter("ignore",
                                  optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                url, engine_kwargs=engine_kwargs, **heartbeat_kwargs)
    except ImportError as error:
        raise ValueError(
            f"The database driver of storage={url!r} is not installed "
            f"({error.__cause__ or error}): e.g. `pip install "
            "'psycopg[binary]'` for postgresql://, `pip install "
            "psycopg2-binary` for postgresql+psycopg2://, `pip install "
            "pymysql` for mysql+pymysql://."
        ) from error
    except Exception as error:
        if type(error).__module__.startswith("sqlalchemy"):
            raise ValueError(
                f"Cannot open the Optuna storage {url!r}: {error}. Use a "
                "SQLAlchemy URL ('sqlite:///study.db', "
                "'postgresql://user@host/db') or 'journal:///path/file.log'."
            ) from error
        raise


def make_pruner(name, epochs):
    """The Optuna pruner called `name` (see `PRUNERS`)."""
    optuna = import_optuna()
    if name == "median":
        return optuna.pruners.MedianPruner()
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=epochs, reduction_factor=3)
    if name == "none":
        return optuna.pruners.NopPruner()
    raise ValueError(
        f"Argument `pruner` must be one of {list(PRUNERS)}. "
        f"Received: pruner={name!r}"
    )


def open_study(recipe, storage, study_name, pruner="median", epochs=None,
               data=None, objective=None, seed=0):
    """Creates the study `study_name` in `storage`, or joins it.

    The first process records the search's settings (recipe, preset,
    fixed hyperparameters, objective, epochs, data, seed, pruner) in the
    study; a process with other settings is refused, as its trials would
    not be comparable. `storage` is a URL or an Optuna storage.
    """
    optuna = import_optuna()
    if not isinstance(study_name, str) or not study_name:
        raise ValueError(
            "Argument `study_name` must be a non-empty string. "
            f"Received: study_name={study_name!r}"
        )
    settings = tuning.search_settings(recipe, "optuna", objective=objective,
                                      epochs=epochs, data=data, seed=seed)
    settings["pruner"] = pruner
    if isinstance(storage, str):
        storage = make_storage(storage)
    # Workers of one study draw different points: each seeds its own
    # sampler, and TPE's constant liar steers it off the running trials.
    sampler = optuna.samplers.TPESampler(
        seed=zlib.crc32(f"{seed} {worker_name()}".encode()),
        constant_liar=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study = optuna.create_study(
            storage=storage, study_name=study_name, load_if_exists=True,
            direction="maximize" if settings["objective"][1] == "max"
            else "minimize",
            sampler=sampler, pruner=make_pruner(pruner, settings["epochs"]))
    owner = study.user_attrs.get(SETTINGS_ATTRIBUTE)
    if owner is None:
        study.set_user_attr(SETTINGS_ATTRIBUTE, settings)
        return study
    details = runner.describe_changed_settings(owner, settings,
                                               SEARCH_SETTINGS)
    if details:
        raise ValueError(
            f"Study {study_name!r} holds a search with other settings "
            f"({details}). Its trials would not be comparable: run with "
            "the same settings or choose another --study name."
        )
    return study


def optimize(recipe, storage, study_name, directory, n_trials=None,
             pruner="median", epochs=None, batch_size=None, data=None,
             objective=None, seed=0, heartbeat=60, verbose=1):
    """Runs trials of the shared study until it holds `n_trials`.

    Every process calling this with the same storage and study name works
    on the same study. `n_trials` counts the study's trials that are
    finished (complete or pruned) or running, so a failed trial (an error,
    or a worker that stopped sending heartbeats) is replaced; workers
    starting a trial at the same moment may each add one more. `None` runs
    until the process is stopped.

    Returns:
        The summary rows (dicts, best first), also written to
        `directory`/summary.csv and summary.md.
    """
    optuna = import_optuna()
    if n_trials is not None:
        n_trials = runner.check_positive_count("n_trials", n_trials)
    if verbose not in (0, 1, 2):
        raise ValueError(
            f"Argument `verbose` must be 0, 1 or 2. Received: "
            f"verbose={verbose!r}"
        )
    directory = pathlib.Path(directory)
    report = print if verbose else None
    optuna.logging.set_verbosity(
        optuna.logging.INFO if verbose == 2 else optuna.logging.WARNING)

    def on_stale_trial(study, trial):
        _log_trial(directory, trial, report, study)

    storage = make_storage(storage, heartbeat=heartbeat,
                           on_stale_trial=on_stale_trial)
    study = open_study(recipe, storage, study_name, pruner=pruner,
                       epochs=epochs, data=data, objective=objective,
                       seed=seed)
    directory.mkdir(parents=True, exist_ok=True)
    run_trial = optuna_objective(recipe, directory, epochs=epochs,
                                 batch_size=batch_size, data=data,
                                 objective=objective, seed=seed,
                                 verbose="auto" if verbose == 2 else 0)
    counted = (optuna.trial.TrialState.COMPLETE,
               optuna.trial.TrialState.PRUNED,
               optuna.trial.TrialState.RUNNING)

    def budget_left():
        if n_trials is None:
            return True
        # Trials of workers gone silent must not hold budget: fail them
        # first (Optuna does so only before each trial it starts).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore",
                                  optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        return len(study.get_trials(deepcopy=False,
                                    states=counted)) < n_trials

    def after_trial(study, trial):
        _log_trial(directory, trial, report, study)
        if not budget_left():
            study.stop()

    if budget_left():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore",
                                  optuna.exceptions.ExperimentalWarning)
            study.optimize(run_trial, n_trials=n_trials,
                           callbacks=[after_trial])
    rows = summary_rows(study, run_trial.metric)
    tuning.write_summary(rows, directory)
    return rows


def _log_trial(directory, trial, report, study):
    """Appends `<worker> <trial number> <state>` to trials.log and reports
    one line per trial."""
    worker = trial.user_attrs.get("worker", "unknown")
    tuning.append_line(directory / tuning.TRIALS_LOG,
                       f"{worker} {trial.number} {trial.state.name}")
    if report is None:
        return
    metric = study.user_attrs[SETTINGS_ATTRIBUTE]["objective"][0]
    text = f"Trial {trial.number} {trial.state.name}"
    if trial.value is not None:
        text += f" {metric}={trial.value:.4g}"
    elif trial.intermediate_values:
        epoch = max(trial.intermediate_values)
        text += (f" after epoch {epoch}: {metric}="
                 f"{trial.intermediate_values[epoch]:.4g}")
    if trial.state.name == "FAIL" and worker != worker_name():
        text += f" (its worker {worker} stopped sending heartbeats)"
    best = _best_trial(study)
    if best is not None:
        text += (f" (best {metric}={best.value:.4g}, trial "
                 f"{best.number})")
    report(text)


def _best_trial(study):
    try:
        return study.best_trial
    except ValueError:  # no complete trial yet
        return None


def summary_rows(study, metric):
    """One dict per trial, best first: number, state, the objective (the
    column names the metric and direction, e.g. `val_accuracy (max)`),
    then the values the trial's model was built with."""
    maximize = study.direction.name == "MAXIMIZE"
    score_column = f"{metric} ({'max' if maximize else 'min'})"
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.value is not None]
    complete.sort(key=lambda t: t.value, reverse=maximize)
    ordered = complete + [t for t in trials if t.value is None]
    return [
        {"trial": trial.number, "status": trial.state.name,
         score_column: trial.value,
         **trial.user_attrs.get("hyperparameters", trial.params)}
        for trial in ordered
    ]


def load_best_model(storage, study_name):
    """The model of the study's best trial (its run folder's model.keras),
    loaded with `keras.saving.load_model`.

    Args:
        storage: the study's storage URL (or an Optuna storage).
        study_name: the study's name.
    """
    optuna = import_optuna()
    if isinstance(storage, str):
        storage = make_storage(storage)
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError as error:
        raise ValueError(
            f"No study named {study_name!r} in this storage. Studies "
            f"there: {optuna.get_all_study_names(storage)}"
        ) from error
    best = _best_trial(study)
    if best is None:
        raise ValueError(
            f"Study {study_name!r} has no complete trial yet, so no best "
            "model.")
    path = pathlib.Path(best.user_attrs["run_folder"]) / runner.MODEL_FILE
    if not path.exists():
        raise ValueError(
            f"The best trial ({best.number}) saved its model to {path}, "
            f"which is not here: it ran on {best.user_attrs.get('worker')}."
        )
    return keras.saving.load_model(str(path))
