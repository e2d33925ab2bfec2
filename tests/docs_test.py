"""Docstring examples, method cards and their code blocks run.

The examples and code blocks check that the documentation runs as
written; each runs on one backend, spread over the three, since the
components they show are tested on every backend by the contract and
their own tests, and the examples together would cost minutes per
backend."""

import doctest
import importlib
import pathlib
import re

import keras
import numpy as np
import pytest

import kerastricks
from kerastricks.api_export import PUBLIC_PATHS
from tests.backend_rotation import only_on
from tests.backend_rotation import spread

ROOT = pathlib.Path(__file__).resolve().parents[1]
CARDS = ROOT / "docs" / "techniques"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _front_matter(card):
    text = card.read_text()
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, f"{card.name} has no front matter"
    fields = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def _cards():
    return sorted(p for p in CARDS.glob("*.md") if not p.name.startswith("_"))


def _card_symbols():
    symbols = {}
    for card in _cards():
        for symbol in _front_matter(card).get("symbol", "").split(","):
            if symbol.strip():
                symbols[symbol.strip()] = card.name
    return symbols


_DOCUMENTATION_RUNS = "see the module docstring"


@pytest.mark.parametrize("module_name, backend", spread(sorted(
    {obj.__module__ for obj in PUBLIC_PATHS.values()})))
def test_docstring_examples_run(module_name, backend):
    only_on(backend, _DOCUMENTATION_RUNS)
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    globs = {"keras": keras, "np": np, "kerastricks": kerastricks}
    for test in finder.find(module, globs=dict(globs)):
        test.globs.update(globs)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{module_name}: {result.failed} failed"


def test_every_export_has_a_card_and_every_card_an_export():
    symbols = _card_symbols()
    missing = sorted(set(PUBLIC_PATHS) - set(symbols))
    assert not missing, f"exports without a card in docs/techniques: {missing}"
    unknown = sorted(set(symbols) - set(PUBLIC_PATHS))
    assert not unknown, f"cards naming no export: {unknown}"


@pytest.mark.parametrize("card", [p.name for p in _cards()])
def test_card_front_matter_and_sections(card):
    fields = _front_matter(CARDS / card)
    for key in ("name", "symbol", "functional", "kind", "paper", "tldr"):
        assert key in fields, f"{card}: front matter lacks {key}"
    assert re.search(r"arXiv \d{4}\.\d{4,5}", fields["paper"]), card
    text = (CARDS / card).read_text()
    for section in ("## How to use", "## Suggested hyperparameters",
                    "## Details", "## Backend notes", "## Attribution"):
        assert section in text, f"{card}: missing section {section!r}"


def _markdown_with_code():
    pages = [ROOT / "README.md"] + _cards()
    pages += sorted((ROOT / "docs" / "recipes").glob("*.md"))
    return [p for p in pages if FENCE.search(p.read_text())]


@pytest.mark.parametrize("page, backend", spread(
    [str(p.relative_to(ROOT)) for p in _markdown_with_code()]))
def test_markdown_code_blocks_run(page, backend):
    only_on(backend, _DOCUMENTATION_RUNS)
    namespace = {}
    for block in FENCE.findall((ROOT / page).read_text()):
        exec(compile(block, page, "exec"), namespace)  # noqa: S102


def test_every_recipe_page_names_its_knobs_and_presets():
    from kerastricks import recipes

    pages = ROOT / "docs" / "recipes"
    index = (pages / "README.md").read_text()
    for name in recipes.list_recipes():
        page = pages / f"{name}.md"
        assert page.exists(), f"recipe {name} has no page in docs/recipes"
        text = page.read_text()
        assert f"[{name}.md]({name}.md)" in index, name
        recipe_cls = recipes.get_recipe(name)
        knobs = [hp.name for hp in recipe_cls().hyperparameter_space().space]
        missing = [knob for knob in knobs if f"`{knob}`" not in text]
        assert not missing, f"docs/recipes/{name}.md lacks knobs {missing}"
        missing = [p for p in recipe_cls.presets if f"`{p}`" not in text]
        assert not missing, f"docs/recipes/{name}.md lacks presets {missing}"
