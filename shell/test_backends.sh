#!/usr/bin/env bash
# Runs the same pytest suite once per Keras backend and fails if any fails,
# or if the backends collect different numbers of tests. PYTEST_WORKERS
# (default 2, the CI machine's cores) sets pytest-xdist's worker count.
set -u
PY=${1:-python}
shift || true
status=0
declare -A counts
for backend in tensorflow jax torch; do
  echo "==> KERAS_BACKEND=$backend pytest tests $*"
  report=$(mktemp)
  KERAS_BACKEND=$backend "$PY" -m pytest tests -q -n "${PYTEST_WORKERS:-2}" \
    --junitxml="$report" --durations=25 "$@" \
    || status=1
  counts[$backend]=$(grep -o '<testcase ' "$report" | wc -l)
  rm -f "$report"
done
echo "==> collected: tensorflow=${counts[tensorflow]} jax=${counts[jax]} torch=${counts[torch]}"
if [[ "${counts[tensorflow]}" != "${counts[jax]}" || "${counts[jax]}" != "${counts[torch]}" ]]; then
  echo "ERROR: the backends collected different numbers of tests" >&2
  status=1
fi
exit $status
