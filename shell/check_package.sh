#!/usr/bin/env bash
# Builds the wheel from setup.cfg and checks it as a user gets it:
#   1. its contents: one top-level package, `kerastricks` (the repository's
#      `recipes/` installs as `kerastricks.recipes`; nothing installs as
#      `recipes` or `benchmarks`), with every module and every pretrained
#      weights file of the source tree;
#   2. a fresh virtualenv with the base dependencies only (`pip install
#      kerastricks` pulls keras and numpy; jax is the one backend added):
#      every module of the library imports, a tiny model trains with
#      `kerastricks.optimizers.AdamP` inside a `kerastricks.models.SAM`
#      wrapper, the recipes say which extra they need, and `kerastricks
#      bench` says that benchmarks ship with the source repository.
# Usage: bash shell/check_package.sh [PYTHON]   (PYTHON builds the wheel and
# creates the virtualenv; it needs pip and network access or a pip index).
set -euo pipefail
PY=${1:-python}
# Absolute, without resolving the venv's symlink (that would leave the venv).
[[ "$PY" == */* ]] && PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "==> Building the wheel"
# From a copy without build outputs: setuptools reuses build/, where files
# deleted from the source can linger and ship.
"$PY" - "$ROOT" "$WORK/source" <<'PYEOF'
import shutil
import sys

shutil.copytree(sys.argv[1], sys.argv[2], ignore=shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__"))
PYEOF
"$PY" -m pip wheel --quiet --no-deps --disable-pip-version-check \
    -w "$WORK/dist" "$WORK/source"
WHEEL=$(ls "$WORK"/dist/kerastricks-*.whl)

echo "==> Checking the wheel's contents against the source tree"
"$PY" - "$WHEEL" "$ROOT" <<'PYEOF'
import pathlib
import sys
import zipfile

wheel, root = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
names = zipfile.ZipFile(wheel).namelist()
top_level = sorted({name.split("/")[0] for name in names
                    if not name.split("/")[0].endswith(".dist-info")})
assert top_level == ["kerastricks"], (
    f"the wheel must install one top-level package, kerastricks; it "
    f"installs {top_level}")
# Where each source folder lands in the wheel (setup.cfg's package_dir).
folders = {"kerastricks": "kerastricks", "recipes": "kerastricks/recipes"}
expected = set()
for folder, installed in folders.items():
    for path in (root / folder).rglob("*"):
        relative = path.relative_to(root / folder).as_posix()
        if path.suffix == ".py" or path.name.endswith(".weights.h5"):
            expected.add(f"{installed}/{relative}")
missing = sorted(expected - set(names))
assert not missing, f"files missing from the wheel: {missing}"
shipped = {name for name in names if name.endswith(".py")
           or name.endswith(".weights.h5")}
extra = sorted(shipped - expected)
assert not extra, f"files in the wheel that the source tree lacks: {extra}"
weights = sorted(n for n in names if n.endswith(".weights.h5"))
assert weights, "the wheel ships no pretrained weights"
print(f"wheel OK: top-level {top_level}, "
      f"{sum(n.endswith('.py') for n in names)} modules, "
      f"{len(weights)} pretrained weights files")
PYEOF

echo "==> Installing it into a fresh virtualenv (base dependencies + jax)"
"$PY" -m venv "$WORK/venv"
VENV_PY="$WORK/venv/bin/python"
"$VENV_PY" -m pip install --quiet --disable-pip-version-check \
    "$WHEEL" jax
cd "$WORK"  # so that nothing imports from the source tree
KERAS_BACKEND=jax "$VENV_PY" - "$ROOT" <<'PYEOF'
import importlib
import importlib.metadata
import pathlib
import pkgutil
import subprocess
import sys

import numpy as np

root = pathlib.Path(sys.argv[1])
requirements = importlib.metadata.requires("kerastricks")
base = sorted(r for r in requirements if "extra ==" not in r)
print(f"base requirements: {base}")
import keras  # noqa: E402

import kerastricks  # noqa: E402

site = pathlib.Path(kerastricks.__file__).parent.parent
assert not site.is_relative_to(root), kerastricks.__file__
for name in ("recipes", "benchmarks"):
    assert importlib.util.find_spec(name) is None, (
        f"a top-level package {name!r} is importable")

# Every module imports with the base dependencies, but for the backend
# modules of frameworks that are not installed, and for the recipe modules
# that need KerasTuner, which must name the extra that installs it.
from kerastricks.utils.optional_dependencies import (  # noqa: E402
    MissingDependencyError,
)

library = sorted(m.name for m in pkgutil.walk_packages(
    kerastricks.__path__, "kerastricks."))
needing_extra = []
for name in library:
    if name.startswith(("kerastricks.backend.tensorflow",
                        "kerastricks.backend.torch")):
        continue
    try:
        importlib.import_module(name)
    except MissingDependencyError as error:
        assert name.startswith("kerastricks.recipes."), (name, error)
        assert "pip install 'kerastricks[recipes]'" in str(error), error
        needing_extra.append(name)
assert needing_extra, "no recipe module needs the recipes extra"

# The recipes name the extra that provides what they need.
from kerastricks import recipes  # noqa: E402

try:
    recipes.list_recipes()
except ImportError as error:
    assert "pip install 'kerastricks[recipes]'" in str(error), error
else:
    raise AssertionError("the recipes loaded without their extra")

# Every component trains with the base install: AdamP inside SAM.
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(32, 4)).astype("float32")
y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, "relu"),
                          keras.layers.Dense(1)])
model = kerastricks.models.SAM(inner, rho=0.05)
model.compile(optimizer=kerastricks.optimizers.AdamP(learning_rate=1e-2),
              loss=keras.losses.BinaryCrossentropy(from_logits=True))
history = model.fit(x, y, batch_size=8, epochs=3, verbose=0)
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < losses[0], losses

# The command works, and `bench` explains where the benchmarks are.
command = [sys.executable, "-m", "kerastricks"]
listing = subprocess.run([*command, "list"], capture_output=True, text=True)
assert listing.returncode == 0, listing.stderr
optimizers = [line for line in listing.stdout.splitlines()
              if line.strip().startswith("kerastricks.optimizers:")]
assert optimizers and "AdamP" in optimizers[0].replace(",", " ").split(), (
    listing.stdout)
assert "pip install 'kerastricks[recipes]'" in listing.stdout, (
    listing.stdout)
bench = subprocess.run([*command, "bench", "optimizer_step"],
                       capture_output=True, text=True)
assert bench.returncode == 2, (bench.returncode, bench.stderr)
assert "source repository" in bench.stderr, bench.stderr
print(f"install OK: keras {keras.__version__}, {len(library)} modules "
      f"({len(needing_extra)} recipe modules name the recipes extra), "
      f"SAM(AdamP) loss {losses[0]:.4f} -> {losses[-1]:.4f}, "
      f"bench: {bench.stderr.strip().splitlines()[-1]}")
PYEOF
