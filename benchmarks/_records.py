"""Benchmark results as data: one JSON record per benchmark and backend.

Every benchmark calls `start(...)` after parsing its arguments and
`finish(...)` with its raw numbers; the record lands in
`benchmarks/results/<benchmark>-<backend>.json` (a new run of the same
benchmark on the same backend replaces it). `python -m
benchmarks._render_docs` turns the records into the numbers of the docs.

A record holds the command, the date, the device, the library versions,
the settings, the raw numbers, the wall time and the load average at start
and end (timings taken on a loaded machine are noisy, so the docs show it).
"""

import argparse
import datetime
import importlib.metadata
import json
import math
import os
import pathlib
import platform
import shlex
import shutil
import subprocess
import sys
import time

import keras

RESULTS_FOLDER = pathlib.Path(__file__).resolve().parent / "results"

# The distribution that provides each backend's framework; TensorFlow ships
# as `tensorflow` or as `tensorflow-cpu`.
FRAMEWORK_DISTRIBUTIONS = {
    "jax": ("jax", "jaxlib"),
    "tensorflow": ("tensorflow", "tensorflow-cpu"),
    "torch": ("torch",),
}


def record_path(benchmark, backend, folder=RESULTS_FOLDER):
    return pathlib.Path(folder) / f"{benchmark}-{backend}.json"


def add_arguments(parser):
    """The options every benchmark shares."""
    parser.add_argument(
        "--results-folder", default=str(RESULTS_FOLDER),
        help="where the JSON record goes (default: benchmarks/results)")


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def library_versions(backend):
    versions = {"python": platform.python_version()}
    for name in ("keras", "numpy", "kerastricks", "scikit-learn"):
        versions[name] = _version(name)
    for distribution in FRAMEWORK_DISTRIBUTIONS[backend]:
        if _version(distribution):
            versions[distribution] = _version(distribution)
    return versions


def _cpu_model():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpus():
    if not shutil.which("nvidia-smi"):
        return []
    try:
        listing = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in listing.splitlines() if line.strip()]


def device_description():
    return {"cpu": _cpu_model(), "cpu_count": os.cpu_count(),
            "machine": platform.machine(), "gpus": _gpus()}


def _load_average():
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def _command(benchmark, argv):
    argv = sys.argv[1:] if argv is None else list(argv)
    return " ".join([f"KERAS_BACKEND={keras.config.backend()} python -m "
                     f"benchmarks.{benchmark}", *map(shlex.quote, argv)])


def _plain(value):
    """`value` with NumPy scalars and arrays as Python numbers and lists,
    and non-finite floats (a diverged run) as None, for strict JSON."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def start(benchmark, args, argv=None):
    """Opens the record of a run: call right after parsing the arguments.

    `args` is the parsed `argparse.Namespace`; its values are the settings.
    """
    backend = keras.config.backend()
    settings = {key: value for key, value in sorted(vars(args).items())
                if key != "results_folder"}
    return {
        "benchmark": benchmark,
        "backend": backend,
        "command": _command(benchmark, argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "device": device_description(),
        "versions": library_versions(backend),
        "settings": settings,
        "load_average_start": _load_average(),
        "_started": time.perf_counter(),
        "_folder": args.results_folder,
    }


def finish(record, results):
    """Adds the raw numbers and the end load average, writes the record and
    returns its path."""
    record = dict(record)
    folder = pathlib.Path(record.pop("_folder"))
    record["wall_seconds"] = round(
        time.perf_counter() - record.pop("_started"), 1)
    record["load_average_end"] = _load_average()
    record["results"] = results
    folder.mkdir(parents=True, exist_ok=True)
    path = record_path(record["benchmark"], record["backend"], folder)
    path.write_text(json.dumps(_plain(record), indent=1, sort_keys=True,
                               allow_nan=False) + "\n")
    print(f"record: {path}")
    return path


def read(benchmark, backend, folder=RESULTS_FOLDER):
    """The record of `benchmark` on `backend`, or None if never run."""
    path = record_path(benchmark, backend, folder)
    if not path.exists():
        return None
    return json.loads(path.read_text())


def study_parser(description, seeds, epochs, batch_size=64,
                 train_size=1500, test_size=1000):
    """A parser for a benchmark that trains small models over seeds:
    `--seeds`, `--epochs`, `--batch-size`, `--train-size`, `--test-size`
    and the record options; the benchmark adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--train-size", type=int, default=train_size)
    parser.add_argument("--test-size", type=int, default=test_size)
    add_arguments(parser)
    return parser


def experiments_parser(description, experiments, seeds=3):
    """A parser for a benchmark made of named `experiments` (a dict from
    name to a function of the parsed arguments): `--only` and `--seeds`;
    the benchmark adds its own options, then `add_arguments`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--only", nargs="+", choices=sorted(experiments),
                        default=list(experiments),
                        help="run these experiments (default: all); the "
                             "others keep their results of the previous "
                             "record")
    parser.add_argument("--seeds", type=int, default=seeds)
    return parser


def run_experiments(benchmark, experiments, args, argv=None):
    """Runs the experiments `args.only` names and writes the record: the
    others keep their results of the previous record, and every
    experiment's entry holds the settings it ran with."""
    record = start(benchmark, args, argv)
    previous = read(benchmark, record["backend"], args.results_folder)
    results = previous["results"] if previous else {}
    settings = {key: value for key, value in record["settings"].items()
                if key != "only"}
    for name in args.only:
        results[name] = dict(experiments[name](args), settings=settings)
    finish(record, results)
    return results
