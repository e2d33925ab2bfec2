"""`kerastricks tune --distributed`: a chief and two workers on loopback.

What it checks (KerasTuner's oracle service hands each trial to one
worker) is the same on every backend, and three processes cost tens of
seconds of imports, so it runs on one backend; the trials themselves
train on every backend in tests/cli/cli_test.py."""

import os
import pathlib
import socket
import subprocess
import sys

import keras
import pytest

from tests.backend_rotation import only_on

ROOT = pathlib.Path(__file__).resolve().parents[2]
TRIALS = 4
TIMEOUT_SECONDS = 240


def _free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.requires_tuner
@pytest.mark.requires_trainable_backend
def test_chief_and_two_workers_run_every_trial_once(tmp_path):
    only_on("jax", "see the module docstring")
    pytest.importorskip("grpc")
    out = tmp_path / "tuner"
    command = [
        sys.executable, "-m", "kerastricks", "tune", "grokking",
        "--distributed", "--max-trials", str(TRIALS), "--epochs", "1",
        "--set", "model=mlp", "--set", "mlp_hidden_units=50",
        "--out", str(out), "--quiet",
    ]
    port = str(_free_loopback_port())
    processes = {}
    for tuner_id in ("chief", "tuner0", "tuner1"):
        environment = dict(
            os.environ,
            KERAS_BACKEND=keras.config.backend(),
            KERASTUNER_TUNER_ID=tuner_id,
            KERASTUNER_ORACLE_IP="127.0.0.1",
            KERASTUNER_ORACLE_PORT=port,
        )
        processes[tuner_id] = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
    outputs = {}
    try:
        for tuner_id, process in processes.items():
            outputs[tuner_id], _ = process.communicate(
                timeout=TIMEOUT_SECONDS)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    for tuner_id, process in processes.items():
        assert process.returncode == 0, (tuner_id, outputs.get(tuner_id))

    lines = (out / "trials.log").read_text().split()
    runs = [lines[i:i + 3] for i in range(0, len(lines), 3)]
    trial_ids = sorted(trial for _, trial, _ in runs)
    assert trial_ids == [str(i) for i in range(TRIALS)], runs
    assert {status for _, _, status in runs} == {"COMPLETED"}, runs
    assert {tuner for tuner, _, _ in runs} <= {"tuner0", "tuner1"}, runs
    summary = (out / "summary.md").read_text().splitlines()
    assert len(summary) == 2 + TRIALS, summary
    assert all("| COMPLETED |" in row for row in summary[2:]), summary
