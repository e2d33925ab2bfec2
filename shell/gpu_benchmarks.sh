#!/usr/bin/env bash
# The GPU benchmark run: speed benchmarks (optimizer step, training step,
# recipe throughput) and the long grokking runs under JAX and PyTorch, in
# at most 8 minutes on one GPU. Records go to benchmarks/results/gpu/
# (the CPU records in benchmarks/results/ stay as they are).
#
#   bash shell/gpu_benchmarks.sh            # on a machine with one GPU
#   bash shell/gpu_benchmarks.sh --dry-run  # the same steps on CPU, tiny
#                                           # settings, records in a temp dir
#
# Wheels in .whl/ (git-ignored) are installed first into /tmp/site, without
# the network: fill it where pip works with `pip download --no-deps
# --only-binary=:all: -d .whl NAME==VERSION` for the GPU builds of jax and
# torch and anything else the GPU machine lacks.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
DRY_RUN=0
if [[ "${1:-}" == "--dry-run" ]]; then
  DRY_RUN=1
elif [[ -n "${1:-}" ]]; then
  echo "usage: $0 [--dry-run]" >&2
  exit 2
fi

if compgen -G ".whl/*.whl" > /dev/null; then
  echo "==> installing $(ls .whl/*.whl | wc -l) wheels from .whl/ into /tmp/site"
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile \
    --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:.${PYTHONPATH:+:$PYTHONPATH}"
else
  export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONUNBUFFERED=1

if [[ $DRY_RUN == 1 ]]; then
  RESULTS="$(mktemp -d)"
  RUNS="$RESULTS/runs"
  OPTIMIZER_ARGS=(--steps 2 --warmup 1)
  TRAINING_ARGS=(--steps 1 --warmup 1 --rounds 1 --only base --only SAM)
  THROUGHPUT_ARGS=(--images 64 --epochs 1 --repeats 1 --batch-size 32)
  GROKKING_ARGS=(--steps 4 --steps-per-epoch 2)
  FLOAT64_ARGS=(--steps 4 --steps-per-epoch 2)
  # Seconds for each long grokking run (its record is rewritten at every
  # evaluation, so a run cut here still leaves its trajectory).
  GROKKING_SECONDS=20
  # A CPU is slower to start each run than a GPU machine.
  TIME_SCALE=6
else
  if ! command -v nvidia-smi > /dev/null || ! nvidia-smi > /dev/null; then
    echo "no GPU found (nvidia-smi); use --dry-run to check the CPU path" >&2
    exit 1
  fi
  RESULTS="benchmarks/results/gpu"
  RUNS="benchmark_runs/gpu"
  OPTIMIZER_ARGS=()
  TRAINING_ARGS=()
  THROUGHPUT_ARGS=()
  GROKKING_ARGS=()
  FLOAT64_ARGS=()
  GROKKING_SECONDS=100
  TIME_SCALE=1
fi
mkdir -p "$RESULTS" "$RUNS"
echo "==> records in $RESULTS"

# run SECONDS BACKEND MODULE ARGS...: one benchmark, cut at SECONDS; a cut
# or failed run is reported and the next one still runs.
run() {
  local seconds=$(($1 * TIME_SCALE)) backend=$2 module=$3
  shift 3
  echo "==> [$backend] $module $* (at most ${seconds}s)"
  KERAS_BACKEND=$backend timeout --signal=INT "$seconds" \
    "$PYTHON" -m "benchmarks.$module" --results-folder "$RESULTS" "$@" \
    || echo "==> [$backend] $module stopped with status $?"
}

# Speed: at most 3.5 minutes in all.
for backend in jax torch; do
  run 30 "$backend" optimizer_step "${OPTIMIZER_ARGS[@]}"
  run 50 "$backend" training_step "${TRAINING_ARGS[@]}"
done
run 50 jax recipe_throughput "${THROUGHPUT_ARGS[@]}"

# The long grokking runs: at most 4 minutes in all.
for backend in jax torch; do
  run "$GROKKING_SECONDS" "$backend" grokking_long \
    --out "$RUNS/grokking_long-$backend" "${GROKKING_ARGS[@]}"
done
run 30 jax grokking_sgd_float64 --out "$RUNS/grokking_sgd_float64-jax" \
  "${FLOAT64_ARGS[@]}"

echo "==> records:"
ls -1 "$RESULTS"/*.json
