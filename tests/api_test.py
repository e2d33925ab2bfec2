"""The public surface: exports, registry, layout, imports and docstrings."""

import ast
import importlib
import inspect
import pathlib
import re

import keras
import pytest

import kerastricks
from kerastricks.api_export import PUBLIC_PATHS
from tests.common.technique_settings import SETTINGS

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kerastricks"
EXPORT_PACKAGES = ("activations", "callbacks", "layers", "losses", "metrics",
                   "models", "optimizers", "schedules", "utils")
FRAMEWORKS = ("tensorflow", "jax", "torch", "keras.src", "jaxlib")


def _exports_of(subpackage):
    prefix = f"kerastricks.{subpackage}."
    return {p[len(prefix):] for p in PUBLIC_PATHS if p.startswith(prefix)}


@pytest.mark.parametrize("subpackage", EXPORT_PACKAGES)
def test_all_lists_match_exports(subpackage):
    module = importlib.import_module(f"kerastricks.{subpackage}")
    exported = _exports_of(subpackage)
    public_all = {
        name for name in getattr(module, "__all__", [])
        if f"kerastricks.{subpackage}.{name}" in PUBLIC_PATHS
        or not callable(getattr(module, name))
    }
    assert exported == public_all, (exported, public_all)
    for name in exported:
        assert getattr(module, name) is PUBLIC_PATHS[
            f"kerastricks.{subpackage}.{name}"]


def test_every_export_has_a_row_and_every_row_an_export():
    missing = sorted(set(PUBLIC_PATHS) - set(SETTINGS))
    assert not missing, (
        f"exports with no row in tests/common/technique_settings.py: "
        f"{missing}")
    orphans = sorted(set(SETTINGS) - set(PUBLIC_PATHS))
    assert not orphans, f"rows that name no export: {orphans}"


def test_every_path_is_a_known_subpackage():
    for path in PUBLIC_PATHS:
        assert path.split(".")[1] in EXPORT_PACKAGES, path


@pytest.mark.parametrize("path", sorted(PUBLIC_PATHS))
def test_registered_and_one_per_file(path):
    obj = PUBLIC_PATHS[path]
    name = obj.__name__
    assert keras.saving.get_registered_object(f"kerastricks>{name}") is obj
    module_file = obj.__module__.rsplit(".", 1)[1]
    assert module_file.replace("_", "") == name.replace("_", "").lower(), (
        f"{name} must live in a file named after it, not {module_file}.py")
    module = importlib.import_module(obj.__module__)
    exported_here = [p for p, o in PUBLIC_PATHS.items()
                     if o.__module__ == module.__name__]
    assert exported_here == [path]


@pytest.mark.parametrize("path", sorted(PUBLIC_PATHS))
def test_docstring_sections(path):
    obj = PUBLIC_PATHS[path]
    doc = inspect.getdoc(obj) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary.endswith("."), f"{path}: one-line summary ending in '.'"
    signature = inspect.signature(obj)
    takes_args = any(
        p.name not in ("self", "kwargs", "args")
        for p in signature.parameters.values()
    )
    if takes_args:
        assert "Args:" in doc, path
    assert "Example" in doc, path
    assert "References:" in doc, path
    assert re.search(r"arxiv\.org/abs/\d{4}\.\d{4,5}", doc), (
        f"{path}: References must link the arXiv id")


def _python_files(folder):
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in
                  p.parts)


def _imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def _is_framework(module):
    return any(module == f or module.startswith(f + ".") for f in FRAMEWORKS)


def test_framework_imports_only_in_backend_package():
    offenders = []
    for path in _python_files(PACKAGE):
        if (PACKAGE / "backend") in path.parents:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {m}"
                      for m in _imported_modules(path) if _is_framework(m)]
    assert not offenders, offenders


def test_no_keras_src_anywhere():
    offenders = []
    for folder in ("kerastricks", "recipes", "benchmarks"):
        for path in _python_files(ROOT / folder):
            offenders += [f"{path.relative_to(ROOT)}: {m}"
                          for m in _imported_modules(path)
                          if m == "keras.src" or m.startswith("keras.src.")]
    assert not offenders, offenders


def test_keras_tuner_only_in_recipes():
    offenders = []
    for path in _python_files(PACKAGE):
        offenders += [f"{path.relative_to(ROOT)}: {m}"
                      for m in _imported_modules(path)
                      if m.split(".")[0] == "keras_tuner"]
    assert not offenders, offenders


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", kerastricks.__version__)
