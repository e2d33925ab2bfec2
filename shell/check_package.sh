#!/usr/bin/env bash
# Builds the wheel from setup.cfg and imports every module of it from outside
# the repository, so a missing package or data file fails here, not for users.
set -euo pipefail
PY=${1:-python}
# Absolute, without resolving the venv's symlink (that would leave the venv).
[[ "$PY" == */* ]] && PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$PY" -m pip wheel --quiet --no-deps -w "$WORK/dist" "$ROOT"
"$PY" -m pip install --quiet --no-deps --target "$WORK/site" "$WORK"/dist/*.whl
cd "$WORK"
PYTHONPATH="$WORK/site" KERAS_BACKEND=jax "$PY" - "$WORK/site" "$ROOT" <<'PYEOF'
import importlib
import pathlib
import pkgutil
import sys

site, root = map(pathlib.Path, sys.argv[1:])
for package in ("kerastricks", "recipes"):
    module = importlib.import_module(package)
    assert pathlib.Path(module.__file__).is_relative_to(site), module.__file__
    source = {p.relative_to(root).with_suffix("").as_posix().replace("/", ".")
              for p in (root / package).rglob("*.py")}
    shipped = {m.name for m in pkgutil.walk_packages(module.__path__,
                                                     package + ".")}
    shipped.add(package)
    source = {s.removesuffix(".__init__") for s in source}
    missing = sorted(source - shipped)
    assert not missing, f"modules missing from the wheel: {missing}"
    for name in sorted(shipped):
        if name.startswith("kerastricks.backend."):
            continue  # imports its framework; covered by the test suite
        importlib.import_module(name)
from kerastricks.api_export import PUBLIC_PATHS
from kerastricks.recipes import presets

shipped = sorted(p.relative_to(root).as_posix()
                 for p in (root / "recipes").glob("*/weights/*.weights.h5"))
for path in shipped:
    recipe_name, _, file_name = path.split("/")[1:]
    preset = file_name.removesuffix(".weights.h5")
    assert presets.has_weights(recipe_name, preset), (
        f"{path} is missing from the wheel")
assert pathlib.Path(presets.weights_path("grokking", "orthograd")
                    ).is_relative_to(site)
print(f"wheel OK: {len(shipped)} pretrained weights files, "
      f"{len(PUBLIC_PATHS)} public objects, "
      f"kerastricks and recipes import from {site}")
PYEOF
