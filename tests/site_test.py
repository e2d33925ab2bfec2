"""The documentation site's generator and checks (no site build here: the
strict build runs once in `make test`, as `make docs`)."""

import importlib.util
import pathlib

import pytest

from kerastricks.api_export import PUBLIC_PATHS

pytest.importorskip("mkdocs", reason="needs the docs extra")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(
        f"site_{name}", ROOT / "docs" / "_site" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load("hooks")
check_build = _load("check_build")
keras_docstrings = _load("keras_docstrings")

SITE_PATHS = {"index.md", "cli.md", "benchmarks.md", "techniques/index.md",
              "techniques/adamp.md", "recipes/README.md"}


def test_links_out_of_docs_are_rewritten_to_site_pages():
    text = ("[home](../README.md) [cards](techniques/) [guide]"
            "(../CONTRIBUTING.md) [card](techniques/adamp.md#details) "
            "[bench](benchmarks.md) [recipes](recipes/) "
            "[web](https://arxiv.org/abs/1) [here](#anchor)\n"
            "```python\nx = [1](../README.md)\n```\n")
    rewritten = hooks.rewrite_links(text, "docs/cli.md", "cli.md",
                                    SITE_PATHS)
    assert rewritten == (
        "[home](index.md) [cards](techniques/index.md) [guide]"
        "(contributing.md) [card](techniques/adamp.md#details) "
        "[bench](benchmarks.md) [recipes](recipes/README.md) "
        "[web](https://arxiv.org/abs/1) [here](#anchor)\n"
        "```python\nx = [1](../README.md)\n```\n")


def test_readme_links_are_relative_to_the_home_page():
    text = "[AdamP](docs/techniques/adamp.md) [all](docs/techniques)"
    assert hooks.rewrite_links(text, "README.md", "index.md", SITE_PATHS) \
        == "[AdamP](techniques/adamp.md) [all](techniques/index.md)"


def test_repository_files_get_source_pages_and_folders_become_code():
    text = ("[ref](../../tests/references/__init__.py) "
            "[`benchmarks`](../../benchmarks)")
    site_path = "techniques/adamp.md"
    rewritten = hooks.rewrite_links(text, f"docs/{site_path}", site_path,
                                    SITE_PATHS)
    assert rewritten == ("[ref](../source/tests/references/__init__.py.md) "
                         "`benchmarks/`")
    assert hooks.linked_repo_files(text, f"docs/{site_path}", SITE_PATHS) \
        == {"tests/references/__init__.py"}


def test_missing_pages_are_left_for_mkdocs_to_report():
    text = "[gone](no_such_page.md)"
    assert hooks.rewrite_links(text, "docs/cli.md", "cli.md",
                               SITE_PATHS) == text


def test_nav_picks_up_new_pages_and_coming_from_pages(tmp_path):
    for page in ("index.md", "cli.md", "backends.md", "benchmarks.md",
                 "pytorch_optimizer.md", "tensorflow_addons.md",
                 "tuning.md", "techniques/adamp.md", "techniques/_template.md",
                 "recipes/README.md", "recipes/grokking.md"):
        (tmp_path / page).parent.mkdir(exist_ok=True)
        (tmp_path / page).write_text("---\nname: AdamP\n---\n# Title\n")
    exports = {"kerastricks.optimizers.AdamP": object}
    nav = hooks.build_nav(exports, {"load": (None, "m")}, docs=tmp_path)
    sections = {next(iter(entry)) if isinstance(entry, dict) else entry:
                entry for entry in nav}
    assert sections["Coming from"]["Coming from"] == [
        "tensorflow_addons.md", "pytorch_optimizer.md"]
    assert "tuning.md" in sections
    assert sections["Techniques"]["Techniques"] == [
        "techniques/index.md", {"AdamP": "techniques/adamp.md"}]
    api = sections["API reference"]["API reference"]
    assert {"kerastricks.optimizers": [
        {"AdamP": "api/optimizers/AdamP.md"}]} in api
    assert {"kerastricks.recipes": [{"load": "api/recipes/load.md"}]} in api


def test_the_site_check_reads_every_export_from_the_source():
    assert check_build.exported_paths() == sorted(PUBLIC_PATHS)


def test_the_site_check_finds_a_missing_or_empty_api_page(tmp_path):
    for path in check_build.exported_paths():
        _, kind, name = path.split(".", 2)
        page = tmp_path / "api" / kind / f"{name}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f'<h1 id="{path}">{name}</h1>')
    for name in check_build.recipe_names():
        page = tmp_path / "api" / "recipes" / f"{name}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"kerastricks.recipes.{name}")
    (tmp_path / "techniques").mkdir()
    for card in (ROOT / "docs" / "techniques").glob("[!_]*.md"):
        (tmp_path / "techniques" / f"{card.stem}.html").write_text("card")
    assert check_build.missing_entries(tmp_path) == []

    (tmp_path / "api" / "optimizers" / "AdamP.html").unlink()
    (tmp_path / "api" / "optimizers" / "SGDP.html").write_text("empty")
    assert check_build.missing_entries(tmp_path) == [
        "kerastricks.optimizers.AdamP: no page api/optimizers/AdamP.html",
        "kerastricks.optimizers.SGDP: api/optimizers/SGDP.html does not "
        "document it"]


def test_keras_style_example_sections_are_indented_for_parsing():
    docstring = ("Summary.\n\nArgs:\n    x: a tensor.\n\nExample:\n\n"
                 ">>> f(1)\n[1]\n\nReferences:\n    - a paper.")
    assert keras_docstrings.indent_example_sections(docstring) == (
        "Summary.\n\nArgs:\n    x: a tensor.\n\nExample:\n\n"
        "    >>> f(1)\n    [1]\n\nReferences:\n    - a paper.")
