"""The docs' numbers are generated from the benchmark records and the code.

Runs the renderer in memory (no benchmark runs here) and fails when a
committed document differs from what it produces.
"""

import argparse
import importlib
import json
import pathlib

import pytest

from benchmarks import _records
from benchmarks import _render_docs

ROOT = pathlib.Path(__file__).resolve().parents[1]
REQUIRED_FIELDS = ("benchmark", "backend", "command", "date", "device",
                   "versions", "settings", "results", "wall_seconds",
                   "load_average_start", "load_average_end")


def test_committed_docs_match_what_the_renderer_produces():
    stale = [str(path.relative_to(ROOT))
             for path, (text, fresh) in _render_docs.render_all().items()
             if text != fresh]
    assert not stale, (
        f"{stale} differ from the benchmark records and the code: run "
        "`make docs-data` (python -m benchmarks._render_docs) and commit")


def test_every_generated_block_appears_in_a_document():
    text = "".join(path.read_text() for path in _render_docs.documents())
    unused = [name for name in _render_docs.blocks(_render_docs.Records())
              if _render_docs.START.format(name=name) not in text]
    assert not unused, f"generated blocks no document shows: {unused}"


def test_an_unknown_block_name_is_an_error():
    text = ("<!-- generated: nonexistent -->\n"
            "<!-- end generated: nonexistent -->")
    with pytest.raises(KeyError, match="nonexistent"):
        _render_docs.render_text(text, {}, "page.md")


def test_every_benchmark_writes_a_record():
    scripts = [path for path in (ROOT / "benchmarks").glob("*.py")
               if not path.stem.startswith("_")]
    assert scripts
    # `run_experiments` writes the record of a benchmark made of named
    # experiments through `finish`.
    silent = [path.stem for path in scripts
              if not any(call in path.read_text() for call in (
                  "_records.finish(", "_records.run_experiments("))]
    assert not silent, f"benchmarks that write no record: {silent}"


@pytest.mark.parametrize("name", sorted(
    path.stem for path in (ROOT / "benchmarks").glob("*.py")
    if not path.stem.startswith("_")))
def test_every_benchmark_exposes_its_defaults(name):
    module = importlib.import_module(f"benchmarks.{name}")
    defaults = vars(module.build_parser().parse_args([]))
    assert defaults["results_folder"] == str(_records.RESULTS_FOLDER)


def test_the_generated_text_names_settings_that_differ_from_defaults():
    record = {"benchmark": "sharpness", "settings": {"epochs": 3,
                                                     "seeds": 3}}
    assert _render_docs.departures(record) == ["epochs 3 (default 40)"]


@pytest.mark.parametrize(
    "path", sorted(p.name for p in _records.RESULTS_FOLDER.glob("*.json")))
def test_committed_records_are_complete(path):
    record = json.loads((_records.RESULTS_FOLDER / path).read_text())
    missing = [field for field in REQUIRED_FIELDS if field not in record]
    assert not missing, f"{path} lacks {missing}"
    assert path == f"{record['benchmark']}-{record['backend']}.json"
    for library in ("python", "keras", "numpy", "kerastricks"):
        assert record["versions"].get(library), (path, library)
    assert record["command"].startswith(
        f"KERAS_BACKEND={record['backend']} python -m benchmarks."
        f"{record['benchmark']}")


def _write_record(folder, benchmark, results, **settings):
    args = argparse.Namespace(results_folder=str(folder), **settings)
    record = _records.start(benchmark, args, argv=["--steps", "3"])
    return _records.finish(record, results)


def test_a_record_holds_provenance_and_strict_json(tmp_path):
    path = _write_record(tmp_path, "optimizer_step",
                         {"losses": [1.0, float("nan")]}, steps=3)
    record = json.loads(path.read_text())
    assert path.name == f"optimizer_step-{record['backend']}.json"
    assert record["settings"] == {"steps": 3}
    assert record["command"].endswith("benchmarks.optimizer_step --steps 3")
    assert record["results"] == {"losses": [1.0, None]}
    assert len(record["load_average_start"]) == 3
    assert record["device"]["cpu"]


def test_the_generated_text_follows_the_record(tmp_path):
    pairs = [{"optimizer": "AdamP", "baseline": "Adam",
              "ms_per_step": 30.0, "baseline_ms_per_step": 12.0}]
    _write_record(tmp_path, "optimizer_step",
                  {"parameters": 1_000_000, "pairs": pairs},
                  steps=3, warmup=1)
    block = _render_docs.optimizer_step_block(_render_docs.Records(tmp_path))
    assert "30.0 / 12.0 ms = **2.50x**" in block
    assert "steps 3, warmup 1" in block
    assert "Load average" in block
    assert _render_docs.GPU_MISSING in block


def test_a_missing_record_says_not_measured(tmp_path):
    block = _render_docs.sharpness_block(_render_docs.Records(tmp_path))
    assert block.startswith("Not measured yet")


def test_knob_tables_follow_the_recipes_declarations():
    from kerastricks import recipes

    recipe = recipes.get_recipe("image_classifier")()
    declared = {hp.name: hp.get_config()["default"]
                for hp in recipe.hyperparameter_space().space}
    table = _render_docs.knobs_block("image_classifier")
    for name, default in declared.items():
        assert f"| `{name}` |" in table
        row = next(line for line in table.splitlines()
                   if line.startswith(f"| `{name}` |"))
        assert f"`{_render_docs._number(default)}`" in row, row


CARD_STEMS = sorted(path.stem for path in (ROOT / "docs" / "techniques")
                    .glob("*.md") if not path.name.startswith("_"))


def test_the_fidelity_table_has_one_row_per_method_card(tmp_path):
    for folder in (_records.RESULTS_FOLDER, tmp_path):
        rows = _render_docs.fidelity_rows(_render_docs.Records(folder))
        links = [row[0] for row in rows]
        assert len(rows) == len(CARD_STEMS)
        for stem in CARD_STEMS:
            assert sum(f"(techniques/{stem}.md)" in link
                       for link in links) == 1, stem


def test_fidelity_registry_entries_name_existing_cards():
    for registry in (_render_docs.FIDELITY_EVIDENCE,
                     _render_docs.FIDELITY_PENDING):
        unknown = sorted(set(registry) - set(CARD_STEMS))
        assert not unknown, f"no method card for {unknown}"
    both = set(_render_docs.FIDELITY_EVIDENCE) & set(
        _render_docs.FIDELITY_PENDING)
    assert not both, f"measured cards still listed as pending: {both}"


def test_a_card_without_records_says_not_measured_and_how(tmp_path):
    evidence = _render_docs.card_evidence("sam", _render_docs.Records(
        tmp_path))
    assert evidence[0][3] == ("not measured yet: run `KERAS_BACKEND=jax "
                              "python -m benchmarks.sharpness`")
    unregistered = _render_docs.card_evidence("no_such_card",
                                              _render_docs.Records(tmp_path))
    assert unregistered[0][3].startswith("not measured yet: ")
    assert not any("not checked" in row[6] for row in
                   _render_docs.fidelity_rows(_render_docs.Records()))


def test_every_card_states_its_claim():
    for stem in CARD_STEMS:
        fields = _render_docs.card_front_matter(
            ROOT / "docs" / "techniques" / f"{stem}.md")
        assert len(fields.get("claim", "")) > 40, stem


def test_compare_verdict_follows_the_spread_over_seeds():
    verdict = _render_docs.compare_verdict
    assert verdict([0.9, 0.92], [0.5, 0.52]) == "reproduced"
    assert verdict([0.6, 0.7], [0.55, 0.65]) == "direction holds"
    assert verdict([0.5, 0.52], [0.9, 0.92]) == "not reproduced"
    assert verdict([100, 110], [400, 420],
                   higher_is_better=False) == "reproduced"
    assert verdict([0.9], [0.5]).startswith("direction holds")
