"""What the distribution ships and promises: the package list of setup.cfg,
the extras, the errors of a missing extra, and `kerastricks bench` with and
without the source repository. (shell/check_package.sh builds the wheel and
installs it into a fresh virtualenv.)"""

import configparser
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import keras
import pytest

from kerastricks import cli
from kerastricks.utils import optional_dependencies
from tests.backend_rotation import only_on
from tests.backend_rotation import spread

ROOT = pathlib.Path(__file__).resolve().parents[2]
HINT = "pip install 'kerastricks[recipes]'"


def _setup_cfg():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "setup.cfg")
    return parser


def _lines(value):
    return [line.strip() for line in value.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def _extras():
    section = _setup_cfg()["options.extras_require"]
    return {name: _lines(section[name]) for name in section}


def test_packages_list_every_package_folder_and_nothing_else():
    options = _setup_cfg()["options"]
    listed = _lines(options["packages"])
    package_dir = dict(
        (name.strip(), folder.strip()) for name, folder in
        (line.split("=") for line in _lines(options["package_dir"])))
    assert package_dir == {"kerastricks.recipes": "recipes"}
    on_disk = set()
    for folder, package in (("kerastricks", "kerastricks"),
                            ("recipes", "kerastricks.recipes")):
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join((package, *relative)))
    assert sorted(listed) == sorted(on_disk)
    # Folders of modules without an __init__.py would be left out silently.
    for folder in ("kerastricks", "recipes"):
        for module in (ROOT / folder).rglob("*.py"):
            assert (module.parent / "__init__.py").exists(), module


def test_all_extra_is_the_union_of_the_others():
    extras = _extras()
    assert {"tensorflow", "jax", "torch", "recipes", "data", "docs", "test",
            "all"} <= set(extras)
    union = set()
    for name in set(extras) - {"all", "test"}:
        union.update(extras[name])
    assert sorted(extras["all"]) == sorted(union)
    for requirement in ("keras-tuner", "matplotlib", "scikit-learn",
                        "tensorboard", "grpcio", "optuna"):
        assert requirement in extras["recipes"], requirement
    assert "importlib_resources" in extras["data"]


def test_optional_modules_name_the_extra_that_installs_them():
    extras = _extras()
    for module, (distribution, extra) in (
            optional_dependencies.OPTIONAL_MODULES.items()):
        assert distribution in extras[extra], (module, distribution, extra)
    with pytest.raises(ValueError, match="Received: module_name='numpy'"):
        optional_dependencies.import_optional("numpy", "a test")


def _run_without(module, code):
    """Runs `code` in a fresh interpreter where `module` cannot be
    imported (`sys.modules[module] = None`)."""
    program = f"import sys\nsys.modules[{module!r}] = None\n" + (
        textwrap.dedent(code))
    return subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True,
        text=True, timeout=300,
        env=dict(os.environ, KERAS_BACKEND=keras.config.backend()))


# What a missing extra says does not depend on the backend.
_ERROR_TEXT = "the error of a missing extra is the same on every backend"


@pytest.mark.parametrize("module, code, needed_by, backend", spread([
    ("keras_tuner", """
        from kerastricks import recipes
        recipes.list_recipes()
        """, "kerastricks.recipes needs keras_tuner (distribution "
             "keras-tuner)"),
    ("sklearn", """
        from kerastricks import recipes
        recipes.get_recipe("image_classifier")().load_data()
        """, "default data (digits) needs sklearn (distribution "
             "scikit-learn)"),
    ("sklearn", """
        from kerastricks import recipes
        recipes.get_recipe("imbalanced_binary")().load_data()
        """, "needs sklearn"),
]))
def test_missing_dependency_names_the_recipes_extra(module, code,
                                                    needed_by, backend):
    only_on(backend, _ERROR_TEXT)
    result = _run_without(module, code)
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "kerastricks.utils.optional_dependencies.MissingDependencyError"), (
        result.stderr)
    assert needed_by in last_line, last_line
    assert last_line.endswith(HINT), last_line


def test_missing_tfds_names_the_data_extra():
    only_on("jax", _ERROR_TEXT)
    result = _run_without("tensorflow_datasets", """
        from kerastricks import recipes
        recipes.get_recipe("image_classifier")().load_data("tfds:mnist")
        """)
    last_line = result.stderr.strip().splitlines()[-1]
    assert "Loading 'tfds:...' datasets needs tensorflow_datasets" in (
        last_line), result.stderr
    assert last_line.endswith("pip install 'kerastricks[data]'")


@pytest.mark.parametrize("module, backend",
                         spread(["matplotlib", "keras_tuner"]))
def test_cli_run_without_the_extra_fails_in_one_line_before_training(
        tmp_path, module, backend):
    only_on(backend, _ERROR_TEXT)
    out = tmp_path / "run"
    result = _run_without(module, f"""
        from kerastricks import cli
        sys.exit(cli.main(["run", "grokking", "--set", "modulus=7",
                           "--epochs", "1", "--out", {str(out)!r}]))
        """)
    assert result.returncode == 2, result.stderr
    # TensorFlow's own start-up lines (absl, oneDNN) may come first.
    errors = [line for line in result.stderr.splitlines()
              if line.startswith("kerastricks run: error: ")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == errors[0]
    assert f"needs {module}" in errors[0]
    assert errors[0].endswith(HINT)
    assert not out.exists()
    listing = _run_without(module, """
        from kerastricks import cli
        sys.exit(cli.main(["list"]))
        """)
    assert listing.returncode == 0, listing.stderr
    assert re.search(r"^ *kerastricks\.optimizers: .*\bAdamP\b", listing.stdout,
                     re.M), listing.stdout


def test_bench_runs_from_the_source_checkout(capsys):
    assert cli.source_checkout() == ROOT
    assert cli.main(["bench"]) == 0
    assert "optimizer_step" in capsys.readouterr().out
    assert cli.main(["bench", "no_such_benchmark"]) == 2
    scripts = sorted(path.stem for path in (ROOT / "benchmarks").glob("*.py")
                     if not path.stem.startswith("_"))
    assert f"Available benchmarks: {scripts}" in capsys.readouterr().err


def _fake_tree(root, setup_cfg=None, benchmarks=True):
    (root / "kerastricks").mkdir(parents=True)
    if setup_cfg is not None:
        (root / "setup.cfg").write_text(setup_cfg)
    if benchmarks:
        (root / "benchmarks").mkdir()
        (root / "benchmarks" / "__init__.py").write_text("")
    return root / "kerastricks"


def test_source_checkout_is_recognised_by_setup_cfg_and_benchmarks(
        tmp_path):
    ours = "[metadata]\nname = kerastricks\n"
    assert cli.source_checkout(_fake_tree(tmp_path / "repo", ours)) == (
        (tmp_path / "repo").resolve())
    # An installed wheel: site-packages/kerastricks, maybe beside another
    # distribution's benchmarks package.
    assert cli.source_checkout(_fake_tree(tmp_path / "site")) is None
    assert cli.source_checkout(
        _fake_tree(tmp_path / "other", "[metadata]\nname = other\n")) is None
    assert cli.source_checkout(
        _fake_tree(tmp_path / "nobench", ours, benchmarks=False)) is None
    assert cli.source_checkout(
        _fake_tree(tmp_path / "broken", "not an ini file")) is None


def test_bench_from_an_installed_package_says_why_not(monkeypatch, capsys):
    monkeypatch.setattr(cli, "source_checkout", lambda: None)
    for arguments in (["bench"], ["bench", "optimizer_step"]):
        assert cli.main(arguments) == 2
        error = capsys.readouterr().err
        assert error.startswith("kerastricks bench: error: no benchmarks "
                                "in this installation"), error
        assert "ship with the source repository" in error
        assert "pip install -e '.[all]'" in error
    assert cli.main(["list"]) == 0
    assert "none here: the benchmarks ship with the source repository" in (
        capsys.readouterr().out)
