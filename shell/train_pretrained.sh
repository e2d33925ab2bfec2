#!/usr/bin/env bash
# Reproduces the pretrained weights shipped in recipes/*/weights/ with our
# own CLI (offline, CPU is enough). Usage: bash shell/train_pretrained.sh [python]
set -euo pipefail
PY=${1:-.venv/bin/python}
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# ⊥AdamW groks (a + b) mod 113 in ~120 full-batch steps; 300 leave margin.
"$PY" -m kerastricks run grokking --preset orthograd --epochs 300 --seed 0 \
  --out "$OUT/grokking" --quiet \
  --export-weights recipes/grokking/weights/orthograd.weights.h5
# The plain ResNet on scikit-learn's digits.
"$PY" -m kerastricks run image_classifier --preset image_classifier_baseline \
  --epochs 30 --seed 0 --out "$OUT/image_classifier" --quiet \
  --export-weights recipes/image_classifier/weights/image_classifier_baseline.weights.h5
