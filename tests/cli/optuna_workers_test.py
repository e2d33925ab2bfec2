"""`kerastricks tune --engine optuna`: workers sharing one study (SQLite,
and PostgreSQL when a server is given), and a worker killed with SIGKILL in
the middle of a trial.

Each test runs one worker as a subprocess and the other in this process.
What they check (the shared storage, the heartbeat, which worker runs
which trial) is the same on every backend while each subprocess costs
seconds of imports, so each runs on one backend, spread over the three;
the trials themselves train on every backend in
tests/recipes/optuna_search_test.py.
"""

import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import uuid

import keras
import pytest

from kerastricks import cli
from kerastricks.recipes import runner
from kerastricks.recipes import tuning
from tests.backend_rotation import only_on

pytestmark = [pytest.mark.requires_tuner,
              pytest.mark.requires_trainable_backend]
optuna = pytest.importorskip("optuna")

ROOT = pathlib.Path(__file__).resolve().parents[2]
TINY = ["--epochs", "1", "--set", "modulus=7", "--set", "model=mlp",
        "--set", "mlp_hidden_units=50"]
TIMEOUT_SECONDS = 240
# A PostgreSQL database URL for the PostgreSQL variant (.ci/run starts a
# server and sets it).
POSTGRESQL_VARIABLE = "KERASTRICKS_TEST_POSTGRESQL"
_SAME_ON_EVERY_BACKEND = "see the module docstring"


def _arguments(tmp_path, storage, study, n_trials, *more):
    return ["tune", "grokking", "--engine", "optuna", "--storage", storage,
            "--study", study, "--n-trials", str(n_trials),
            "--out", str(tmp_path / "trials"), *TINY, *more]


def _start_worker(arguments):
    return subprocess.Popen(
        [sys.executable, "-m", "kerastricks", *arguments], cwd=ROOT,
        env=dict(os.environ, KERAS_BACKEND=keras.config.backend()),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_until_training(worker, run_folder):
    """Returns once `worker` has started training in `run_folder`."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not (run_folder / runner.CONFIG_FILE).exists():
        assert worker.poll() is None, worker.communicate()[0]
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.05)


def _log(tmp_path):
    """`[(worker, trial number, state)]` from trials.log."""
    lines = (tmp_path / "trials" / tuning.TRIALS_LOG).read_text()
    return [(worker, int(number), state) for worker, number, state
            in (line.split() for line in lines.splitlines())]


@pytest.mark.parametrize("storage_kind, backend", [("sqlite", "jax"),
                                                   ("postgresql", "torch")])
def test_two_workers_share_a_study_and_run_each_trial_once(
        tmp_path, storage_kind, backend):
    only_on(backend, _SAME_ON_EVERY_BACKEND)
    if storage_kind == "sqlite":
        storage = f"sqlite:///{tmp_path}/study.db"
    else:
        storage = os.environ.get(POSTGRESQL_VARIABLE)
        if not storage:
            pytest.skip(f"no PostgreSQL server: set {POSTGRESQL_VARIABLE} "
                        "to a database URL (.ci/run starts one)")
        pytest.importorskip("psycopg2")
    # A fresh study: a database server outlives the test.
    study_name = f"grok-{uuid.uuid4().hex[:12]}"
    arguments = _arguments(tmp_path, storage, study_name, 3, "--quiet")
    worker = _start_worker(arguments)
    try:
        # Joining while the first worker trains its first trial.
        _wait_until_training(worker, tmp_path / "trials" / "trial_00000")
        assert cli.main(arguments) == 0
        output, _ = worker.communicate(timeout=TIMEOUT_SECONDS)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, output

    log = _log(tmp_path)
    numbers = sorted(number for _, number, _ in log)
    # Each trial ran once. Two workers checking the budget at the same
    # instant may each start one more trial: 3 or 4 in all.
    assert numbers == list(range(len(numbers))), log
    assert 3 <= len(numbers) <= 4, log
    assert {state for _, _, state in log} == {"COMPLETE"}, log
    subprocess_worker = f"{socket.gethostname()}:{worker.pid}"
    assert {name for name, _, _ in log} == {
        subprocess_worker, f"{socket.gethostname()}:{os.getpid()}"}, log
    study = optuna.load_study(study_name=study_name, storage=storage)
    for name, number, _ in log:
        trial = study.trials[number]
        assert trial.user_attrs["worker"] == name
        history = runner.read_history(
            pathlib.Path(trial.user_attrs["run_folder"])
            / runner.METRICS_FILE)
        assert trial.value == history.history["val_accuracy"][-1]
        assert history.epoch == [0]


def test_a_killed_worker_leaves_its_trial_failed_and_the_study_goes_on(
        tmp_path, capsys):
    only_on("tensorflow", _SAME_ON_EVERY_BACKEND)
    storage = f"sqlite:///{tmp_path}/study.db"
    arguments = _arguments(tmp_path, storage, "grok", 1, "--heartbeat", "1")
    worker = _start_worker(arguments)
    try:
        _wait_until_training(worker, tmp_path / "trials" / "trial_00000")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate()
    assert worker.returncode == -signal.SIGKILL
    # Past the grace period (twice the heartbeat), counted in whole
    # seconds by SQLite.
    time.sleep(4)

    assert cli.main(arguments) == 0
    killed_worker = f"{socket.gethostname()}:{worker.pid}"
    output = capsys.readouterr().out
    assert (f"Trial 0 FAIL (its worker {killed_worker} stopped sending "
            "heartbeats)") in output
    assert "Trial 1 COMPLETE val_accuracy=" in output
    this_worker = f"{socket.gethostname()}:{os.getpid()}"
    assert _log(tmp_path) == [(killed_worker, 0, "FAIL"),
                              (this_worker, 1, "COMPLETE")]
    study = optuna.load_study(study_name="grok", storage=storage)
    assert [trial.state.name for trial in study.trials] == ["FAIL",
                                                            "COMPLETE"]
    assert study.best_trial.number == 1
    model = tuning.load_best_model(storage, "grok")
    assert model.count_params() > 0
