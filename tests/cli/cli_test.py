"""The `kerastricks` command end to end: list, run (killed, then resumed),
tune, bench and the errors a user sees."""

import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from kerastricks import cli
from kerastricks.recipes import runner

pytestmark = [pytest.mark.requires_tuner,
              pytest.mark.requires_trainable_backend]

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Modular addition mod 11 with a small MLP: one epoch is 48 steps of one
# example, so a run lasts seconds and can be killed half way.
TINY_GROKKING = ["--set", "modulus=11", "--set", "mlp_hidden_units=50",
                 "--batch-size", "1", "--seed", "3", "--quiet"]
EPOCHS = 12


def _command(*arguments):
    return [sys.executable, "-m", "kerastricks", *arguments]


def _environment():
    return dict(os.environ, KERAS_BACKEND=keras.config.backend())


def _run(*arguments, timeout=240):
    return subprocess.run(_command(*arguments), cwd=ROOT, env=_environment(),
                          capture_output=True, text=True, timeout=timeout)


def _final_state(directory):
    path = runner.checkpoints(directory)[EPOCHS]
    with np.load(path) as saved:
        return {key: saved[key] for key in saved.files}


def test_list_names_every_recipe_preset_and_technique():
    result = _run("list")
    assert result.returncode == 0, result.stderr
    from kerastricks import recipes

    for name in recipes.list_recipes():
        assert f"  {name}\n" in result.stdout
        for preset in recipes.get_recipe(name).presets:
            assert f"--preset {preset}" in result.stdout
    assert re.search(r"^ *kerastricks\.optimizers: .*\bAdamP\b", result.stdout,
                     re.M), result.stdout
    assert "optimizer_step" in result.stdout


def test_run_killed_mid_run_resumes_to_the_same_weights(tmp_path):
    straight = tmp_path / "straight"
    assert cli.main(["run", "grokking", "--epochs", str(EPOCHS),
                     "--out", str(straight), *TINY_GROKKING]) == 0

    killed = tmp_path / "killed"
    process = subprocess.Popen(
        _command("run", "grokking", "--epochs", str(EPOCHS), "--out",
                 str(killed), *TINY_GROKKING),
        cwd=ROOT, env=_environment(), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while 2 not in runner.checkpoints(killed):
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "no checkpoint after 180 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    completed = list(runner.checkpoints(killed))
    assert completed and completed[-1] < EPOCHS, completed

    result = _run("run", "grokking", "--epochs", str(EPOCHS), "--out",
                  str(killed), "--resume", *TINY_GROKKING)
    assert result.returncode == 0, result.stderr
    assert f"Resuming grokking from epoch {completed[-1]}" in result.stdout
    if keras.config.backend() != "tensorflow":
        # TensorFlow is imported (Keras saves through it) but stays quiet.
        assert "oneDNN" not in result.stderr, result.stderr
    expected, resumed = _final_state(straight), _final_state(killed)
    assert sorted(expected) == sorted(resumed)
    for key in expected:
        np.testing.assert_allclose(resumed[key], expected[key], atol=1e-6,
                                   rtol=1e-6, err_msg=key)
    history = runner.read_history(killed / runner.METRICS_FILE)
    assert history.epoch == list(range(EPOCHS))
    assert (killed / runner.CURVES_FILE).read_bytes()[:4] == b"\x89PNG"


TINY_TUNE = ["--epochs", "1", "--set", "modulus=7", "--set", "model=mlp",
             "--set", "mlp_hidden_units=50"]


def _tune(out, *arguments):
    return cli.main(["tune", "grokking", "--out", str(out), *TINY_TUNE,
                     *arguments])


def test_tune_prints_a_line_per_trial_and_a_summary(tmp_path):
    out = tmp_path / "tuning"
    result = _run("tune", "grokking", "--max-trials", "2", "--out", str(out),
                  *TINY_TUNE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    trial_lines = [line for line in lines if line.startswith("Trial ")]
    assert len(trial_lines) == 2, lines
    assert all(" COMPLETED val_accuracy=" in line for line in trial_lines)
    assert "(best val_accuracy=" in trial_lines[-1]
    summary = (out / "summary.md").read_text().splitlines()
    assert lines[-len(summary):] == summary
    assert len(lines) == len(trial_lines) + 2 + len(summary), lines
    assert len(summary) == 2 + 2, summary
    # The score column names its metric and direction.
    assert summary[0].startswith("| trial | status | val_accuracy (max) |")
    assert all("| COMPLETED |" in row for row in summary[2:]), summary


def test_tune_refuses_other_settings_and_overwrite_starts_afresh(
        tmp_path, capsys):
    out = tmp_path / "tuning"
    assert _tune(out, "--max-trials", "2", "--quiet") == 0
    assert len((out / "trials.log").read_text().splitlines()) == 2
    capsys.readouterr()
    for arguments, message in (
        (["--set", "learning_rate=0.003"], "hyperparameters: {"),
        (["--objective", "val_loss"],
         "objective: ['val_accuracy', 'max'] there, ['val_loss', 'min'] "
         "now"),
        (["--preset", "orthograd"], "preset: None there, 'orthograd' now"),
        (["--seed", "1"], "seed: 0 there, 1 now"),
    ):
        assert _tune(out, "--max-trials", "3", *arguments) == 2, arguments
        error = capsys.readouterr().err
        assert "holds a search with other settings" in error, error
        assert message in error, (message, error)
        assert "pass --overwrite" in error
    assert len((out / "trials.log").read_text().splitlines()) == 2

    assert _tune(out, "--max-trials", "1", "--objective", "val_loss",
                 "--overwrite", "--quiet") == 0
    assert "Starting a fresh search in" in capsys.readouterr().out
    assert len((out / "trials.log").read_text().splitlines()) == 1
    summary = (out / "summary.md").read_text().splitlines()
    assert summary[0].startswith("| trial | status | val_loss (min) |")
    assert len(summary) == 2 + 1, summary

    assert cli.main(["tune", "imbalanced_binary", "--max-trials", "1",
                     "--out", str(out), "--quiet"]) == 2
    assert "belongs to recipe 'grokking'" in capsys.readouterr().err


def test_bad_names_and_data_fail_before_training(tmp_path, capsys):
    for arguments, message in (
        (["run", "no_such_recipe"], "Available recipes: ['binary_net'"),
        (["run", "grokking", "--preset", "hot"],
         "Available presets: ['orthograd'"),
        (["run", "grokking", "--set", "no_such_knob=1"],
         "Known hyperparameters: ["),
        (["run", "grokking", "--set", "learning_rate=abc"],
         "Hyperparameter 'learning_rate' must be a number. "
         "Received: learning_rate='abc'"),
        (["run", "grokking", "--set", "orthograd=yes"],
         "Hyperparameter 'orthograd' must be a bool. "
         "Received: orthograd='yes'"),
        (["run", "grokking", "--set", "mlp_hidden_units=100000"],
         "Hyperparameter 'mlp_hidden_units' must be in [50, 400]. "
         "Received: mlp_hidden_units=100000"),
        (["run", "grokking", "--set", "learning_rate=nan"],
         "Hyperparameter 'learning_rate' must be a finite number. "
         "Received: learning_rate=nan"),
        (["tune", "grokking", "--max-trials", "1", "--set",
          "learning_rate=-inf"], "Received: learning_rate=-inf"),
        (["run", "image_classifier", "--data", str(tmp_path / "no.npz"),
          "--out", str(tmp_path / "run")], "No such file"),
    ):
        assert cli.main(arguments) == 2, arguments
        error = capsys.readouterr().err
        assert message in error, (arguments, error)
        assert error.count("\n") == 1, error
    assert not (tmp_path / "run" / runner.CHECKPOINT_DIR).exists()
    assert cli.main(["bench", "no_such_benchmark"]) == 2
    assert "Unknown benchmark 'no_such_benchmark'" in (
        capsys.readouterr().err)


def test_engine_options_are_checked_before_a_search_starts(tmp_path,
                                                          capsys):
    optuna_search = ["--engine", "optuna", "--storage",
                     f"sqlite:///{tmp_path}/study.db", "--study", "s"]
    for arguments, message in (
        ([], "--engine keras-tuner needs --max-trials."),
        (["--engine", "optuna", "--study", "s"],
         "--engine optuna needs --storage."),
        (["--max-trials", "3", "--tuner", "bayesian", *optuna_search],
         "--max-trials, --tuner: only with --engine keras-tuner; this "
         "search uses --engine optuna."),
        (["--max-trials", "2", "--pruner", "none"],
         "--pruner: only with --engine optuna; this search uses --engine "
         "keras-tuner."),
        (["--engine", "optuna", "--storage", "nosuchdb://host/db",
          "--study", "s"], "Cannot open the Optuna storage"),
    ):
        assert cli.main(["tune", "grokking", "--out", str(tmp_path / "out"),
                         *arguments]) == 2, arguments
        error = capsys.readouterr().err
        assert message in error, (arguments, error)
        assert error.count("\n") == 1, error
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "study.db").exists()


def test_non_positive_counts_are_one_line_usage_errors(capsys):
    for arguments, flag, text in (
        (["run", "grokking", "--epochs", "0"], "--epochs", "0"),
        (["run", "grokking", "--batch-size", "0"], "--batch-size", "0"),
        (["run", "grokking", "--checkpoint-every", "-1"],
         "--checkpoint-every", "-1"),
        (["run", "grokking", "--epochs", "ten"], "--epochs", "ten"),
        (["tune", "grokking", "--max-trials", "0"], "--max-trials", "0"),
        (["tune", "grokking", "--max-trials", "2", "--epochs", "0"],
         "--epochs", "0"),
        (["tune", "grokking", "--engine", "optuna", "--n-trials", "0"],
         "--n-trials", "0"),
        (["tune", "grokking", "--engine", "optuna", "--heartbeat", "-5"],
         "--heartbeat", "-5"),
    ):
        with pytest.raises(SystemExit) as exited:
            cli.main(arguments)
        assert exited.value.code == 2, arguments
        error = capsys.readouterr().err.strip().splitlines()[-1]
        assert error.endswith(
            f"argument {flag}: must be a positive integer. "
            f"Received: {text!r}"), error
