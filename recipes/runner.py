"""Run folders: train one recipe into a folder a person can read and resume.

`train(recipe, directory, ...)` writes:

```text
<directory>/
  config.json        recipe, preset, hyperparameters, epochs, batch size, data
  metrics.csv        one row per epoch (keras.callbacks.CSVLogger)
  checkpoints/       epoch_00012.npz: model + optimizer state after 12 epochs
  curves.png         learning curves (train and validation, one panel a metric)
  model.keras        the final model (`import kerastricks`, then
                     keras.saving.load_model)
  summary.json       the recipe's headline metrics over the whole run
```

A checkpoint holds every model variable (weights, BatchNorm statistics and
random seed states), every optimizer variable and, in its name, the number of
completed epochs. It is written to a temporary file and renamed into place,
so a kill leaves either the previous checkpoint or the new one, never half of
one. Each epoch shuffles the training set with a generator seeded by
`(seed, epoch)`, so a run resumed from epoch k sees the same batches as one
that was never interrupted, and ends with the same weights.
"""

import csv
import json
import math
import numbers
import os
import pathlib
import shutil
import time
import zipfile
import zlib

import keras
import numpy as np

import kerastricks
from kerastricks.recipes._array_stream import EndlessArrayStream
from kerastricks.utils.optional_dependencies import import_optional

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.csv"
CHECKPOINT_DIR = "checkpoints"
CURVES_FILE = "curves.png"
MODEL_FILE = "model.keras"
SUMMARY_FILE = "summary.json"
KEPT_CHECKPOINTS = 2
# Keys of config.json that must agree before a run may be resumed; epochs may
# grow, so that a finished run can be extended.
RESUME_KEYS = ("recipe", "preset", "hyperparameters", "batch_size", "data",
               "seed")


def recipe_hyperparameters(recipe):
    """A copy of the recipe's fixed hyperparameters (empty: the defaults)."""
    keras_tuner = import_optional("keras_tuner", "kerastricks.recipes")
    hyperparameters = getattr(recipe, "hyperparameters", None)
    if hyperparameters is None:
        return keras_tuner.HyperParameters()
    return hyperparameters.copy()


def train(
    recipe,
    directory,
    epochs=None,
    batch_size=None,
    data=None,
    preset=None,
    resume=False,
    overwrite=False,
    seed=0,
    checkpoint_every=1,
    verbose="auto",
    callbacks=None,
):
    """Trains `recipe` into the run folder `directory`; returns its summary.

    Args:
        recipe: a `recipes.Recipe` instance (its `hyperparameters`, if any,
            are used as they are; missing ones take their defaults).
        directory: the run folder, created if needed.
        epochs: total number of epochs. Defaults to `recipe.default_epochs`.
        batch_size: Defaults to `recipe.default_batch_size`; `None` there
            means full batch.
        data: the dataset name handed to `recipe.load_data`.
        preset: the preset's name, recorded in config.json. Defaults to
            `recipe.preset`.
        resume: continue from the last complete checkpoint in `directory`.
        overwrite: delete an earlier run in `directory` first.
        seed: seeds the weights, the data split and the shuffling.
        checkpoint_every: epochs between checkpoints (the last epoch is always
            checkpointed).
        verbose: passed to `model.fit` ("auto" shows progress bars; for
            full-batch runs, one step an epoch, one bar over the epochs).
        callbacks: more Keras callbacks for `model.fit`.
    """
    directory = pathlib.Path(directory)
    preset = preset or getattr(recipe, "preset", None)
    # `None` means the recipe's default; 0 is an error, not a default.
    if epochs is None:
        epochs = recipe.default_epochs
    if batch_size is None:
        batch_size = getattr(recipe, "default_batch_size", None)
    epochs = check_positive_count("epochs", epochs)
    checkpoint_every = check_positive_count("checkpoint_every",
                                            checkpoint_every)
    if batch_size is not None:
        batch_size = check_positive_count("batch_size", batch_size)
    # Every run ends with its plot: a missing matplotlib must stop it before
    # training, not after.
    pyplot(CURVES_FILE)
    hyperparameters = recipe_hyperparameters(recipe)
    splits = recipe.load_data(data, seed=seed)
    x_train, y_train = splits["train"]
    train_size = len(keras.tree.flatten(x_train)[0])
    batch_size = batch_size or train_size

    keras.utils.set_random_seed(seed)
    model = recipe.build(hyperparameters)
    config = {
        "recipe": recipe.name,
        "preset": preset,
        "hyperparameters": _jsonable(hyperparameters.values),
        "epochs": epochs,
        "batch_size": batch_size,
        "data": data,
        "seed": seed,
        "checkpoint_every": checkpoint_every,
        "backend": keras.config.backend(),
        "keras": keras.__version__,
        "kerastricks": kerastricks.__version__,
    }
    start_epoch = _prepare_folder(directory, config, resume, overwrite)
    if start_epoch:
        start_epoch = restore_newest_intact_checkpoint(model, directory)
        if start_epoch:
            print(f"Resuming {recipe.name} from epoch {start_epoch} "
                  f"({_checkpoint_path(directory, start_epoch)})")
    _truncate_metrics(directory / METRICS_FILE, start_epoch)

    run_callbacks = [
        _SeedEachEpoch(seed),
        keras.callbacks.CSVLogger(str(directory / METRICS_FILE),
                                  append=start_epoch > 0),
        _AtomicCheckpoint(directory, checkpoint_every, epochs),
    ] + list(callbacks or [])
    if start_epoch < epochs:
        # SAF remembers each example's logits: batches carry their indices.
        train_batches = EpochShuffledBatches(
            x_train, y_train, batch_size, seed, first_epoch=start_epoch,
            index_inputs=getattr(model, "with_example_indices", None))
        if verbose == "auto" and train_batches.steps_per_epoch == 1:
            run_callbacks.append(EpochProgressBar(epochs, start_epoch))
            verbose = 0
        started = time.perf_counter()
        recipe.fit(
            hyperparameters,
            model,
            train_batches,
            validation_data=splits.get("validation"),
            validation_batch_size=batch_size,
            epochs=epochs,
            initial_epoch=start_epoch,
            steps_per_epoch=train_batches.steps_per_epoch,
            shuffle=False,
            callbacks=run_callbacks,
            verbose=verbose,
        )
        seconds = time.perf_counter() - started
    else:
        seconds = 0.0
    history = read_history(directory / METRICS_FILE)
    history.params = {"epochs": epochs,
                      "steps": math.ceil(train_size / batch_size)}
    summary = dict(recipe.summarize(history))
    summary["epochs"] = len(history.epoch)
    summary["seconds_this_session"] = round(seconds, 2)
    _write_json_atomically(directory / SUMMARY_FILE, _jsonable(summary))
    plot_curves(history, directory / CURVES_FILE,
                title=f"{recipe.name} ({preset or 'defaults'})")
    model.save(str(directory / MODEL_FILE))
    return summary


def check_positive_count(name, value):
    """Returns `value` as an `int` if it is a positive integer (not a bool),
    else raises a `ValueError` naming the argument and the value."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or value < 1):
        raise ValueError(
            f"Argument `{name}` must be a positive integer. "
            f"Received: {name}={value!r}"
        )
    return int(value)


class EpochShuffledBatches(EndlessArrayStream):
    """Endless mini-batches whose order depends only on `(seed, epoch)`.

    Keras's own shuffling draws from global random state, which a resumed
    process cannot replay, and prefetching (tf.data) can fetch the next
    epoch's first batches before any epoch callback runs. Here batch `i` of
    the stream is a pure function of `i`: epoch `first_epoch + i // steps`,
    rows from that epoch's seeded permutation. Fit it with
    `steps_per_epoch=dataset.steps_per_epoch`. With `index_inputs` (such as
    `kerastricks.models.SAF.with_example_indices`) a batch's inputs are
    `index_inputs(x_rows, rows)`, each example carrying its row number.
    """

    def __init__(self, x, y, batch_size, seed, first_epoch=0,
                 index_inputs=None):
        super().__init__(x, y)
        self.batch_size = batch_size
        self.seed = seed
        self.first_epoch = first_epoch
        self.index_inputs = index_inputs
        self.size = len(keras.tree.flatten(x)[0])
        self.steps_per_epoch = math.ceil(self.size / batch_size)
        self._epoch = None
        self._order = None

    def __getitem__(self, index):
        epoch, step = divmod(index, self.steps_per_epoch)
        epoch += self.first_epoch
        if epoch != self._epoch:
            self._epoch = epoch
            self._order = np.random.default_rng(
                [self.seed, epoch]).permutation(self.size)
        rows = self._order[step * self.batch_size:
                           (step + 1) * self.batch_size]
        x_rows = keras.tree.map_structure(lambda a: a[rows], self.x)
        if self.index_inputs is not None:
            x_rows = self.index_inputs(x_rows, rows.astype("int32"))
        return x_rows, keras.tree.map_structure(lambda a: a[rows], self.y)


class EpochProgressBar(keras.callbacks.Callback):
    """One progress bar over all epochs, for runs of one step an epoch
    (Keras's own bar would print a line per step)."""

    def __init__(self, epochs, initial_epoch=0):
        super().__init__()
        self.epochs = epochs
        self.initial_epoch = initial_epoch
        self._bar = None

    def on_train_begin(self, logs=None):
        # A redraw at most every half second: a step can take milliseconds.
        self._bar = keras.utils.Progbar(self.epochs, unit_name="epoch",
                                        interval=0.5)
        self._bar.update(self.initial_epoch)

    def on_epoch_end(self, epoch, logs=None):
        shown = [(key, value) for key, value in (logs or {}).items()
                 if np.ndim(value) == 0]
        # Latest values, not averages over the epochs so far.
        self._bar.stateful_metrics.update(key for key, _ in shown)
        self._bar.update(epoch + 1, values=shown, finalize=False)

    def on_train_end(self, logs=None):
        self._bar.update(self._bar.target, finalize=True)


class _SeedEachEpoch(keras.callbacks.Callback):
    """Reseeds the global generators from `(seed, epoch)` at each epoch.

    Layers built without a seed (Dropout on torch, for one) draw from the
    framework's global generator, whose state no checkpoint holds. Reseeding
    at the first batch, after the data iterator exists (creating a torch
    DataLoader iterator draws from the generator), puts a resumed run and an
    uninterrupted one in the same state.
    """

    def __init__(self, seed):
        super().__init__()
        self.seed = seed
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if batch == 0:
            keras.utils.set_random_seed(int(np.random.default_rng(
                [self.seed, self.epoch]).integers(2**31)))


class _AtomicCheckpoint(keras.callbacks.Callback):
    """Saves model and optimizer state every `every` epochs, atomically."""

    def __init__(self, directory, every, last_epoch):
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.every = every
        self.last_epoch = last_epoch

    def on_epoch_end(self, epoch, logs=None):
        completed = epoch + 1
        if completed % self.every == 0 or completed == self.last_epoch:
            save_checkpoint(self.model, self.directory, completed)


def _checkpoint_path(directory, epoch):
    return (pathlib.Path(directory) / CHECKPOINT_DIR /
            f"epoch_{epoch:05d}.npz")


def checkpoints(directory):
    """Complete checkpoints in `directory`, as `{completed_epochs: path}`."""
    folder = pathlib.Path(directory) / CHECKPOINT_DIR
    found = {}
    for path in folder.glob("epoch_*.npz"):
        found[int(path.stem.split("_")[1])] = path
    return dict(sorted(found.items()))


def save_checkpoint(model, directory, epoch):
    """Writes `epoch_<epoch>.npz`; a kill during the write leaves no file."""
    path = _checkpoint_path(directory, epoch)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"epoch": np.asarray(epoch)}
    for prefix, variables in _state_variables(model).items():
        for index, variable in enumerate(variables):
            arrays[f"{prefix}/{index:05d}"] = keras.ops.convert_to_numpy(
                variable.value)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as file:
        np.savez(file, **arrays)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)
    for old in list(checkpoints(directory))[:-KEPT_CHECKPOINTS]:
        checkpoints(directory)[old].unlink()
    return path


class DamagedCheckpointError(ValueError):
    """A checkpoint file that cannot be read back (truncated, empty or
    corrupted, e.g. by a full disk or a copy cut short)."""


def read_checkpoint(path):
    """Every array of the checkpoint at `path`, as a dict; a
    `DamagedCheckpointError` if the file cannot be read back whole."""
    try:
        with np.load(path) as saved:
            arrays = {name: saved[name] for name in saved.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile,
            zlib.error) as error:
        raise DamagedCheckpointError(
            f"Checkpoint {path} is damaged and cannot be read "
            f"({type(error).__name__}: {error})."
        ) from error
    if "epoch" not in arrays:
        raise DamagedCheckpointError(
            f"Checkpoint {path} is damaged: it holds no epoch number.")
    return arrays


def restore_checkpoint(model, path):
    """Assigns the model and optimizer state saved in `path`; returns epoch."""
    return _assign_state(model, path, read_checkpoint(path))


def _assign_state(model, path, saved):
    for prefix, variables in _state_variables(model).items():
        names = sorted(k for k in saved if k.startswith(prefix + "/"))
        if len(names) != len(variables):
            raise ValueError(
                f"Checkpoint {path} holds {len(names)} {prefix} "
                f"variables but the model has {len(variables)}: it was "
                "written by a different model or hyperparameters."
            )
        for name, variable in zip(names, variables):
            value = saved[name]
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"Checkpoint {path}: {name} has shape {value.shape} "
                    f"but {variable.path} has shape {variable.shape}."
                )
            variable.assign(value)
    return int(saved["epoch"])


def restore_newest_intact_checkpoint(model, directory):
    """Restores the newest checkpoint of `directory` that reads back whole;
    returns its epoch (0 if none does).

    A damaged checkpoint is renamed to `.epoch_<n>.npz.damaged` (kept for
    inspection, out of the way of later resumes) and the run says which
    checkpoint it falls back to.
    """
    for path in reversed(list(checkpoints(directory).values())):
        try:
            saved = read_checkpoint(path)
        except DamagedCheckpointError as error:
            aside = path.with_name(f".{path.name}.damaged")
            os.replace(path, aside)
            print(f"{error} Moved it to {aside.name}; falling back to the "
                  "previous checkpoint.")
            continue
        return _assign_state(model, path, saved)
    print(f"No intact checkpoint in {directory}: starting from epoch 0.")
    return 0


def _state_variables(model):
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    optimizer_variables = (list(model.optimizer.variables)
                           if model.optimizer is not None else [])
    return {"model": list(model.variables), "optimizer": optimizer_variables}


def _prepare_folder(directory, config, resume, overwrite):
    """Checks or writes config.json; returns the epoch to start from."""
    config_path = directory / CONFIG_FILE
    if config_path.exists() and overwrite:
        for name in (CONFIG_FILE, METRICS_FILE, CURVES_FILE, MODEL_FILE,
                     SUMMARY_FILE):
            (directory / name).unlink(missing_ok=True)
        shutil.rmtree(directory / CHECKPOINT_DIR, ignore_errors=True)
    if config_path.exists():
        previous = json.loads(config_path.read_text())
        if previous.get("recipe") != config["recipe"]:
            raise ValueError(
                f"Run folder {directory} belongs to recipe "
                f"{previous.get('recipe')!r}, not {config['recipe']!r}. "
                "Choose another folder."
            )
        if not resume:
            raise ValueError(
                f"Run folder {directory} already holds a run. Pass "
                "resume=True (`--resume`) to continue it, overwrite=True "
                "(`--overwrite`) to replace it, or choose another folder."
            )
        details = describe_changed_settings(previous, config, RESUME_KEYS)
        if details:
            raise ValueError(
                f"Cannot resume {directory}: the settings changed "
                f"({details}). Resume with the same settings or choose "
                "another folder."
            )
    directory.mkdir(parents=True, exist_ok=True)
    _write_json_atomically(config_path, config)
    completed = list(checkpoints(directory))
    if resume and completed:
        return completed[-1]
    return 0


def describe_changed_settings(previous, current, keys):
    """`key: old there, new now` for each of `keys` whose value differs
    between a folder's saved settings and the current ones; "" if none."""
    return "; ".join(
        f"{key}: {previous.get(key)!r} there, {current[key]!r} now"
        for key in keys if previous.get(key) != current[key])


def _truncate_metrics(path, start_epoch):
    """Drops metric rows of epochs after the checkpoint being resumed."""
    if not path.exists():
        return
    if start_epoch == 0:
        path.unlink()
        return
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    kept = rows[:1] + [row for row in rows[1:] if int(row[0]) < start_epoch]
    with open(path, "w", newline="") as file:
        csv.writer(file).writerows(kept)


def read_history(path):
    """A `keras.callbacks.History` rebuilt from a run's metrics CSV."""
    history = keras.callbacks.History()
    history.history = {}
    history.epoch = []
    if not pathlib.Path(path).exists():
        return history
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            history.epoch.append(int(row.pop("epoch")))
            for key, value in row.items():
                history.history.setdefault(key, []).append(float(value))
    return history


def plot_curves(history, path, title=""):
    """One panel per metric: training and validation against epochs."""
    pyplot_module = pyplot(CURVES_FILE)

    metrics = [k for k in history.history if not k.startswith("val_")
               and k != "learning_rate"]
    if not metrics:
        return None
    figure, axes = pyplot_module.subplots(
        1, len(metrics), figsize=(4.5 * len(metrics), 3.6), squeeze=False)
    epochs = [e + 1 for e in history.epoch]
    for axis, metric in zip(axes[0], metrics):
        axis.plot(epochs, history.history[metric], label="train")
        if "val_" + metric in history.history:
            axis.plot(epochs, history.history["val_" + metric],
                      label="validation")
        if len(epochs) > 200:
            axis.set_xscale("log")
        axis.set_xlabel("epoch")
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot_module.close(figure)
    return path


def pyplot(needed_by):
    """`matplotlib.pyplot` on the file-only Agg backend, or an error naming
    `needed_by` and the extra that installs matplotlib."""
    matplotlib = import_optional("matplotlib", needed_by)
    matplotlib.use("Agg")
    return import_optional("matplotlib.pyplot", needed_by)


def _write_json_atomically(path, value):
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")
    os.replace(partial, path)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
