"""Writes the generated blocks of the docs from the benchmark records and
from the code, so that no number in the docs is typed by hand.

    python -m benchmarks._render_docs          # rewrite the docs
    python -m benchmarks._render_docs --check  # exit 1 if they differ

A generated block sits between `<!-- generated: NAME -->` and
`<!-- end generated: NAME -->`; the prose around it is hand-written and
stays. The numbers come from `benchmarks/results/*.json` (written by the
benchmarks themselves, see `benchmarks/_records.py`), the recipes' declared
hyperparameters and presets (`from kerastricks import recipes`), the
constructor defaults of the library, and the method cards' front matter
(each paper's claim, under `claim:`). Running it trains nothing.
"""

import argparse
import importlib
import inspect
import pathlib
import re
import statistics
import sys

from benchmarks import _records
from benchmarks import fidelity as fidelity_benchmark

ROOT = pathlib.Path(__file__).resolve().parents[1]
START = "<!-- generated: {name} -->"
END = "<!-- end generated: {name} -->"
BLOCK = re.compile(r"<!-- generated: (?P<name>[\w-]+) -->\n(?P<body>.*?)"
                   r"<!-- end generated: (?P=name) -->", re.S)
BACKENDS = ("jax", "tensorflow", "torch")
BACKEND_NAMES = {"jax": "JAX", "tensorflow": "TensorFlow", "torch": "torch"}
FRAMEWORK_VERSION_KEYS = {"jax": "jax", "tensorflow": "tensorflow",
                          "torch": "torch"}
GPU_MISSING = "GPU numbers: not measured yet."

TRACT_CLAIMED_SPEEDUP = (1.25, 4.0)
TRAINING_STEP_ORDER = ("base", "SAM", "ASAM", "SAF", "MESA", "TrAct",
                       "forward")
SHARPNESS_ORDER = ("base", "SAM", "SAF", "MESA")


# -- formatting ------------------------------------------------------------

def _mean(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def _spread(values):
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def _ratio(value):
    return f"{value:.2f}x"


def _sig(value, digits=2):
    """`value` in scientific notation when small, else fixed."""
    if value is None:
        return "n/a"
    if value != 0 and abs(value) < 0.01:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}f}"


def _ordered(names, preferred):
    """`names` in the `preferred` order, any others after them (records
    store their keys sorted)."""
    return ([name for name in preferred if name in names]
            + sorted(name for name in names if name not in preferred))


def _settings(record, keys=None):
    settings = record["settings"]
    keys = keys or sorted(settings)
    return ", ".join(f"{key} {settings[key]}" for key in keys
                     if settings.get(key) is not None)


def _versions(record):
    versions = record["versions"]
    names = ["python", "keras", FRAMEWORK_VERSION_KEYS[record["backend"]],
             "numpy", "kerastricks", "scikit-learn"]
    shown = []
    for name in names:
        version = versions.get(name) or versions.get(f"{name}-cpu")
        if version:
            shown.append(f"{name} {version}")
    return ", ".join(shown)


def _load(values):
    return "/".join(f"{v:.2f}" for v in values) if values else "unknown"


def provenance(record):
    """One bullet: how, when and where a record was measured."""
    device = record["device"]
    gpus = ", ".join(device["gpus"]) or "no GPU"
    return (f"- {BACKEND_NAMES[record['backend']]}: `{record['command']}`, "
            f"{record['date'][:16].replace('T', ' ')} UTC, "
            f"{device['cpu']} ({device['cpu_count']} cores), {gpus}; "
            f"{_versions(record)}. Load average (1/5/15 min) "
            f"{_load(record['load_average_start'])} at the start, "
            f"{_load(record['load_average_end'])} at the end; wall time "
            f"{record['wall_seconds']:.0f} s.")


def departures(record):
    """The settings of a record that differ from its script's defaults
    (options whose default is None are chosen at run time: left out)."""
    module = importlib.import_module(f"benchmarks.{record['benchmark']}")
    defaults = vars(module.build_parser().parse_args([]))
    return [f"{key} {value} (default {defaults[key]})"
            for key, value in sorted(record["settings"].items())
            if defaults.get(key) is not None and value != defaults[key]]


def _provenance_block(records):
    lines = ["Measured:"]
    for record in records:
        lines.append(provenance(record))
        changed = departures(record)
        lines.append("  " + ("Settings that differ from the script's "
                             "defaults: " + "; ".join(changed)
                             + "." if changed else
                             "Run with the script's defaults."))
    if not any(r["device"]["gpus"] for r in records):
        lines += ["", GPU_MISSING]
    return "\n".join(lines)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |"
              for row in rows]
    return "\n".join(lines)


def _not_measured(benchmark, backends=("jax",)):
    commands = ", ".join(f"`KERAS_BACKEND={b} python -m benchmarks."
                         f"{benchmark}`" for b in backends)
    return f"Not measured yet: run {commands}."


class Records:
    """The records in a results folder, read once."""

    def __init__(self, folder=_records.RESULTS_FOLDER):
        self.folder = folder

    def get(self, benchmark, backend="jax"):
        return _records.read(benchmark, backend, self.folder)

    def all_backends(self, benchmark):
        return [record for record in (self.get(benchmark, b)
                                      for b in BACKENDS) if record]


# -- docs/benchmarks.md ------------------------------------------------------

def _pair_ratio(pair):
    """The median of the per-round ratios where the record has it (rounds
    interleave the optimizers), else the ratio of the two times."""
    return pair.get("median_ratio_to_baseline",
                    pair["ms_per_step"] / pair["baseline_ms_per_step"])


def _peer_cell(pair):
    if pair.get("peer") is None:
        return "no peer"
    if pair.get("peer_ms_per_step") is None:
        return f"not measured: {pair.get('peer_note', 'no record')}"
    return (f"{pair['ms_per_step']:.1f} / {pair['peer_ms_per_step']:.1f} ms"
            f" = **{_ratio(pair['median_ratio_to_peer'])}** (the peer: "
            f"{_ratio(pair['peer_median_ratio_to_baseline'])} "
            f"{pair['baseline']})")


def optimizer_step_block(records):
    measured = records.all_backends("optimizer_step")
    if not measured:
        return _not_measured("optimizer_step", BACKENDS)
    pairs = [p["optimizer"] + " / " + p["baseline"]
             for p in measured[0]["results"]["pairs"]]
    rows = []
    peer_rows = []
    for record in measured:
        cells = []
        peer_cells = []
        for pair in record["results"]["pairs"]:
            ms, base_ms = pair["ms_per_step"], pair["baseline_ms_per_step"]
            cells.append(f"{ms:.1f} / {base_ms:.1f} ms = "
                         f"**{_ratio(_pair_ratio(pair))}**")
            peer_cells.append(_peer_cell(pair))
        rows.append([BACKEND_NAMES[record["backend"]]] + cells)
        peer_rows.append([BACKEND_NAMES[record["backend"]]] + peer_cells)
    lines = [
        f"Model: {measured[0]['results']['parameters'] / 1e6:.1f}M "
        f"trainable parameters. Settings: "
        f"{_settings(measured[0], ['rounds', 'steps', 'warmup'])}.", "",
        _table(["backend"] + pairs, rows), ""]
    peers = [p.get("peer") for p in measured[0]["results"]["pairs"]]
    if any(peers):
        headers = [f"{p['optimizer']} / {p['peer']}" if p.get("peer")
                   else p["optimizer"]
                   for p in measured[0]["results"]["pairs"]]
        lines += [
            "Against pytorch-optimizer's implementation of the same method, "
            "timed in the same process (ours / the peer; in brackets the "
            "peer against the Keras baseline):", "",
            _table(["backend"] + headers, peer_rows), ""]
    return "\n".join(lines + [_provenance_block(measured)])


def training_step_block(records):
    measured = records.all_backends("training_step")
    if not measured:
        return _not_measured("training_step", BACKENDS)
    names = _ordered(measured[0]["results"]["variants"],
                     TRAINING_STEP_ORDER)
    header = ["variant"] + [
        f"{BACKEND_NAMES[r['backend']]} (jit_compile="
        f"{r['settings']['jit_compile']})" for r in measured]
    rows = []
    for name in names:
        row = [name]
        for record in measured:
            variant = record["results"]["variants"].get(name)
            if variant is None:
                row.append("not run")
            elif name == "base":
                row.append(f"{variant['median_ms_per_step']:.1f} ms")
            else:
                row.append(f"{variant['median_ms_per_step']:.1f} ms, **"
                           f"{_ratio(variant['median_ratio_to_base'])}**")
        rows.append(row)
    settings = "; ".join(
        f"{BACKEND_NAMES[r['backend']]}: "
        + _settings(r, ["batch_size", "rounds", "steps", "warmup"])
        for r in measured)
    return "\n".join([
        f"Model: {measured[0]['results']['parameters']:,} trainable "
        f"parameters. Settings: {settings}.", "",
        _table(header, rows), "", _provenance_block(measured)])


def recipe_throughput_block(records):
    record = records.get("recipe_throughput")
    if not record:
        return _not_measured("recipe_throughput")
    rates = record["results"]["images_per_second"]
    rows = [[index + 1, f"{plain:.0f} images/s", f"{keras:.0f} images/s",
             f"**{_ratio(keras / plain)}**"]
            for index, (plain, keras) in enumerate(
                zip(rates["plain_jax"], rates["keras"]))]
    settings = _settings(record, ["images", "image_size", "channels",
                                  "width", "stages", "batch_size", "epochs",
                                  "repeats"])
    return "\n".join([
        f"Settings: {settings}.", "",
        _table(["run", "plain JAX, hand-written", "Keras recipe, `model.fit`",
                "Keras / plain JAX"], rows), "",
        _provenance_block([record])])


def fisher_merge_block(records):
    measured = records.all_backends("fisher_merge")
    if not measured:
        return _not_measured("fisher_merge", BACKENDS)
    labels = {"model A": "model A", "model B": "model B",
              "plain average": "plain average",
              "Fisher, bare": "Fisher merge, `normalize_fishers=False`",
              "Fisher, unit norm": "Fisher merge, unit-norm Fishers "
                                   "(the default)"}
    rows = []
    for key, label in labels.items():
        row = [label]
        for record in measured:
            body = record["results"]["accuracy"][key]
            mean = (body["task_a"] + body["task_b"]) / 2
            row.append(f"{body['task_a']:.3f} / {body['task_b']:.3f} / "
                       f"{mean:.3f}")
        rows.append(row)
    times = ", ".join(
        f"{BACKEND_NAMES[r['backend']]} plain average "
        f"{r['results']['plain_average_seconds']:.2f} s, Fisher merge "
        f"{r['results']['fisher_merge_seconds']:.2f} s" for r in measured)
    header = ["body (test accuracy: task A / task B / mean)"] + [
        BACKEND_NAMES[r["backend"]] for r in measured]
    return "\n".join([
        f"Settings: {_settings(measured[0], ['epochs', 'hidden', 'seeds'])}"
        f" (accuracies are means over the seeds).", "",
        _table(header, rows), "",
        f"Merge time, mean per seed (the Fisher merge includes both Fisher "
        f"estimates): {times}.", "", _provenance_block(measured)])


def _figure(record, title):
    """The Markdown lines of the plot a run wrote under docs/, if any."""
    png = record["settings"].get("png")
    if not png or not png.startswith("docs/"):
        return []
    return [f"![{title}]({png.removeprefix('docs/')})", ""]


def _tract_summary(curves):
    """Per optimizer: final accuracies, epochs to the plain final, speed-up."""
    summary = {}
    for optimizer, runs in curves.items():
        plain = [statistics.fmean(epoch) for epoch in zip(*runs["plain"])]
        tract = [statistics.fmean(epoch) for epoch in zip(*runs["TrAct"])]
        target = plain[-1]
        reach = next((i + 1 for i, a in enumerate(tract)
                      if a >= target - 1e-9), None)
        plain_reach = next(i + 1 for i, a in enumerate(plain)
                           if a >= target - 1e-9)
        summary[optimizer] = {
            "plain_final": target, "tract_final": tract[-1],
            "plain_epochs": plain_reach, "tract_epochs": reach,
            "speedup": len(plain) / reach if reach else None}
    return summary


def tract_convergence_block(records):
    record = records.get("tract_convergence")
    if not record:
        return _not_measured("tract_convergence")
    summary = _tract_summary(record["results"]["test_accuracy_by_epoch"])
    rows = [[optimizer, f"{s['plain_final']:.4f}", f"{s['tract_final']:.4f}",
             s["plain_epochs"], s["tract_epochs"] or "not reached",
             f"**{_ratio(s['speedup'])}**" if s["speedup"] else "-"]
            for optimizer, s in summary.items()]
    seconds = record["results"]["fit_seconds"]
    settings = _settings(record, ["epochs", "seeds", "batch_size",
                                  "lambda_", "test_size"])
    return "\n".join([
        f"Settings: {settings}; {record['results']['train_examples']} "
        f"training images.", "",
        _table(["optimizer", "plain final acc", "TrAct final acc",
                "epochs for plain to first reach its final",
                "epochs for TrAct to reach it", "speed-up"], rows), "",
        f"Fit wall time, all runs (compilation and per-epoch evaluation "
        f"included): TrAct {_ratio(seconds['TrAct'] / seconds['plain'])} "
        f"of plain.", "", *_figure(record, "TrAct convergence"),
        _provenance_block([record])])


def _sharpness_means(record):
    means = {}
    for technique, values in record["results"]["per_seed"].items():
        means[technique] = {key: (_mean(v), _spread(v))
                            for key, v in values.items()}
    return means


def sharpness_block(records):
    record = records.get("sharpness")
    if not record:
        return _not_measured("sharpness")
    rows = []
    means = _sharpness_means(record)
    for technique in _ordered(means, SHARPNESS_ORDER):
        m = means[technique]
        rows.append([
            technique,
            f"{m['test_accuracy'][0]:.4f} ± {m['test_accuracy'][1]:.4f}",
            _sig(m["train_loss"][0]),
            f"{_sig(m['lambda_max'][0])} ± {_sig(m['lambda_max'][1])}",
            f"{_sig(m['loss_increase'][0])} ± "
            f"{_sig(m['loss_increase'][1])}"])
    settings = _settings(record, ["epochs", "seeds", "batch_size",
                                  "learning_rate", "rho", "start_epoch",
                                  "power_iterations"])
    momentum = record["results"]["mesa_ema_momentum"]
    return "\n".join([
        f"Settings: {settings}; MESA's `ema_momentum` "
        f"{momentum:.3f} (1 - 1 / steps per epoch). Mean ± standard "
        f"deviation over the seeds.", "",
        _table(["technique", "test accuracy", "train loss", "lambda_max",
                f"dL({record['settings']['rho']})"], rows), "",
        _provenance_block([record])])


def _lr_label(rate):
    return f"{rate:.0e}".replace("e-0", "e-").replace("e+00", "")


def lr_sensitivity_block(records):
    record = records.get("lr_sensitivity")
    if not record:
        return _not_measured("lr_sensitivity")
    results = record["results"]
    variants = list(results["final_loss"])
    rows = []
    for index, rate in enumerate(results["learning_rates"]):
        row = [_lr_label(rate)]
        for variant in variants:
            loss = results["final_loss"][variant][index]
            row.append("diverged (not finite)" if loss is None
                       else f"{loss:.3f}")
        rows.append(row)
    rows.append(["**LR sensitivity**"] + [
        f"**{results['lr_sensitivity'][v]:.3f}**" for v in variants])
    settings = _settings(record, ["epochs", "max_characters",
                                  "transformer_dim", "transformer_layers"])
    return "\n".join([
        f"Settings: {settings}. Initial loss (uniform over bytes): "
        f"{results['initial_loss']:.3f}; a loss above it counts as the "
        f"initial loss in the sensitivity.", "",
        _table(["peak LR"] + [f"`{v}`" for v in variants], rows), "",
        _provenance_block([record])])


# -- regimes and long grokking runs --------------------------------------------

def regimes_block(records):
    record = records.get("regimes")
    if not record:
        return _not_measured("regimes")
    lines = []
    for name, comparison in record["results"].items():
        seeds = comparison["seeds"]
        rows = [[variant, f"{comparison['mean'][variant]:.3f}",
                 f"{comparison['std'][variant]:.3f}",
                 " / ".join(f"{v:.3f}" for v in values)]
                for variant, values in comparison["scores"].items()]
        lines += [f"**{name}**: {comparison['title']} (seeds "
                  f"{seeds[0]}-{seeds[-1]}).", "",
                  _table(["variant", f"{comparison['metric']} (mean)",
                          "spread (std over seeds)", "per seed"], rows), ""]
    return "\n".join(lines + [_provenance_block([record])])


def grokking_long_block(records):
    runs = [record for record in (records.get("grokking_long"),
                                  records.get("grokking_sgd_float64"))
            if record]
    if not runs:
        return _not_measured("grokking_long")
    rows = []
    for record in runs:
        run = record["results"]
        reached = run["first_step_reaching"]
        rows.append([
            f"`{run['preset']}`", f"{run['steps_done']:,}"
            + ("" if run["finished"] else
               f" of {run['steps_planned']:,} (stopped)"),
            f"{run['final_train_accuracy']:.3f}",
            f"{run['final_test_accuracy']:.3f}",
            "{1:.3f} at {0:,}".format(*_best_test_accuracy(run)),
            " / ".join(str(reached[key]) if reached[key] is not None
                       else "-" for key in ("0.50", "0.90", "0.99")),
            f"{run['train_seconds'] / 60:.0f} min "
            f"({run['seconds_per_step']:.2f} s a step)",
            ", ".join(f"{float(accuracy):.1%} at {int(step):,}"
                      for step, accuracy in run["paper_trajectory"].items())])
    return "\n".join([
        _table(["preset", "full-batch steps run", "train acc",
                "test acc", "best test acc (step)",
                "first step at 50% / 90% / 99% test acc",
                "training time (this CPU)", "authors' run"], rows), "",
        _provenance_block(runs)])


# -- the fidelity table ------------------------------------------------------

def _steps_list(values, budget):
    return " / ".join(str(v) if v is not None else f">{budget}"
                      for v in values)


def _paper_accuracy_at(long_run, step):
    """The authors' test accuracy at the last of their checkpoints at or
    before `step`, as `(checkpoint, accuracy)`, or None."""
    earlier = [(int(at), accuracy) for at, accuracy
               in long_run["paper_trajectory"].items() if int(at) <= step]
    return max(earlier) if earlier else None


def _best_test_accuracy(run):
    """(step, test accuracy) of the best evaluation of a long run: a run can
    grok and then lose part of it, which its final accuracy hides."""
    step, _, accuracy = max(run["trajectory"], key=lambda row: row[2])
    return step, accuracy


def _long_run_summary(record):
    """One sentence: where the long StableMax run got to, and how fast."""
    run = record["results"]
    steps = run["steps_done"]
    text = (f"{run['final_test_accuracy']:.1%} test accuracy "
            f"(train {run['final_train_accuracy']:.1%}) after {steps:,} "
            f"full-batch steps")
    if not run["finished"]:
        text += f" of {run['steps_planned']:,} planned (stopped there)"
    best_step, best = _best_test_accuracy(run)
    if best > run["final_test_accuracy"]:
        text += f" (best {best:.1%} at step {best_step:,})"
    text += (f", {run['train_seconds'] / 3600:.1f} h on this CPU "
             f"({run['seconds_per_step']:.2f} s a step)")
    paper = _paper_accuracy_at(run, steps)
    if paper:
        text += (f"; the authors' run had {paper[1]:.1%} at "
                 f"{paper[0]:,} steps")
    return text


# One row per method card: the claim comes from the card's `claim:` front
# matter, the evidence from `FIDELITY_EVIDENCE`, a registry from card (its
# file name without `.md`) to `(benchmark, extractor)` pairs. An extractor
# takes the benchmark's record (and all records, for context) and returns
# evidence tuples `(measured, baseline, seeds, verdict, details)`; a pair
# whose benchmark is None needs no record (parity tests). A card with no
# entry, or whose records are missing, says "not measured yet" and what
# would measure it (`FIDELITY_PENDING`).

VERDICTS = ("reproduced", "direction holds", "not reproduced")


def compare_verdict(technique, baseline, higher_is_better=True):
    """"reproduced" when the technique's mean beats the baseline's by more
    than either spread over seeds, "direction holds" when it beats it by
    less (or with a single value each, whose spread is unknown), "not
    reproduced" otherwise."""
    difference = _mean(technique) - _mean(baseline)
    if not higher_is_better:
        difference = -difference
    if difference <= 0:
        return "not reproduced"
    if min(len(technique), len(baseline)) < 2:
        return "direction holds (one run each: spread unknown)"
    if difference > max(_spread(technique), _spread(baseline)):
        return "reproduced"
    return "direction holds"


def regime_verdict(technique, baseline):
    """`compare_verdict` for scores where higher is better."""
    return compare_verdict(technique, baseline)


def _mean_spread(values, digits=3):
    return f"{_mean(values):.{digits}f} ± {_spread(values):.{digits}f}"


def _seed_count(values):
    return f"{len(values)} seed{'s' if len(values) != 1 else ''}"


REGIMES_LINK = "[regimes](#regimes-where-effects-show)"
GROKKING_LINK = "[grokking](recipes/grokking.md)"
SHARPNESS_LINK = "[sharpness](#sharpness-and-accuracy)"
# Benchmarks with no section of their own: their provenance is shown
# under the fidelity table.
FIDELITY_LINK = "[fidelity](#fidelity-each-papers-claim-against-its-baseline)"
FIDELITY_BENCHMARKS = ("fidelity", "sam_variants", "invariance",
                       "optimizer_claims", "training_claims",
                       "binary_estimators",
                       "loss_claims", "component_claims",
                       "diagnostic_claims",
                       "representation_claims",
                       "architecture_claims")


def _orthograd_evidence(record, records):
    grokking = record["results"].get("grokking")
    if not grokking:
        return []
    budget = record["settings"]["grokking_steps"]
    ortho = grokking["orthograd"]["steps_to_99_val_accuracy"]
    base = grokking["softmax_ce_adamw"]["steps_to_99_val_accuracy"]
    if None in ortho or None in base:
        verdict = "not decided: a run did not grok within the budget"
    else:
        verdict = compare_verdict(ortho, base, higher_is_better=False)
    return [(f"⊥AdamW: {_steps_list(ortho, budget)} steps to 99% val acc",
             f"AdamW, weight decay 1.5: {_steps_list(base, budget)} steps",
             _seed_count(ortho), verdict, GROKKING_LINK)]


STABLEMAX_CLAIM_STEPS = 70_421
STABLEMAX_FLOAT64_CLAIM_STEPS = 416


def _stablemax_long_evidence(record, records):
    run = record["results"]
    if run["final_test_accuracy"] >= 0.98:
        verdict = "reproduced"
    elif run["steps_done"] >= STABLEMAX_CLAIM_STEPS:
        verdict = "not reproduced"
    else:
        hours = STABLEMAX_CLAIM_STEPS * run["seconds_per_step"] / 3600
        verdict = (f"not decided: the claim needs "
                   f"{STABLEMAX_CLAIM_STEPS:,} steps, about {hours:.0f} h "
                   f"on this CPU")
    return [(f"StableMax, no weight decay: {_long_run_summary(record)}",
             "none in this run", f"seed {record['settings']['seed']}",
             verdict, "[long grokking runs](#long-grokking-runs)")]


def _stablemax_float64_evidence(record, records):
    run = record["results"]
    settings = record["settings"]
    reached = run["first_step_reaching"]["0.99"]
    measured = (f"⊥SGD + StableMax, float64: {reached} steps to 99% test "
                f"acc (evaluated every {settings['steps_per_epoch']} steps)"
                if reached is not None else
                f"⊥SGD + StableMax, float64: not within "
                f"{run['steps_done']} steps")
    if reached is None:
        verdict = "not reproduced"
    elif reached <= 1.25 * STABLEMAX_FLOAT64_CLAIM_STEPS:
        verdict = "reproduced"
    else:
        verdict = "direction holds"
    return [(measured, "none in this run", f"seed {settings['seed']}",
             verdict, "[long grokking runs](#long-grokking-runs)")]


def _adamp_evidence(record, records):
    adamp = record["results"].get("adamp")
    if not adamp:
        return []
    mild, base = (adamp["image_classifier_mild"],
                  adamp["image_classifier_baseline"])
    epochs = record["settings"]["image_epochs"]
    link = "[image_classifier](recipes/image_classifier.md)"
    seeds = _seed_count(mild["kernel_norm_growth"])
    return [
        (f"AdamP, {epochs} epochs: conv kernel norm "
         f"x{_mean_spread(mild['kernel_norm_growth'])}",
         f"Adam: x{_mean_spread(base['kernel_norm_growth'])}", seeds,
         compare_verdict(mild["kernel_norm_growth"],
                         base["kernel_norm_growth"], higher_is_better=False),
         link),
        (f"AdamP: val acc {_mean_spread(mild['final_val_accuracy'])}",
         f"Adam: {_mean_spread(base['final_val_accuracy'])}", seeds,
         compare_verdict(mild["final_val_accuracy"],
                         base["final_val_accuracy"]), link)]


def _any_loss_evidence(record, records):
    any_loss = record["results"].get("any_loss")
    if not any_loss:
        return []
    ours, theirs = any_loss["any_loss_f1"], any_loss["binary_cross_entropy"]
    positives = _constructor_default("imbalanced_binary",
                                     "positive_fraction")
    return [(
        f"AnyLoss(F1), {positives:.0%} positives: val F1 "
        f"{_mean_spread(ours['final_val_f1'])}",
        f"BCE: val F1 {_mean_spread(theirs['final_val_f1'])}",
        _seed_count(ours["final_val_f1"]),
        compare_verdict(ours["final_val_f1"], theirs["final_val_f1"]),
        "[imbalanced_binary](recipes/imbalanced_binary.md)")]


def _regime(record, name):
    return record["results"].get(name)


def _any_loss_imbalance_evidence(record, records):
    regime = _regime(record, "any_loss_imbalance")
    if not regime:
        return []
    scores = regime["scores"]
    evidence = []
    for fraction in regime["settings"]["positive_fractions"]:
        label = f"{fraction:.0%} positive"
        ours, theirs = scores[f"AnyLoss F1, {label}"], scores[f"BCE, {label}"]
        evidence.append((
            f"AnyLoss(F1), {label}: val F1 {_mean_spread(ours)}",
            f"BCE: {_mean_spread(theirs)}", _seed_count(ours),
            compare_verdict(ours, theirs), REGIMES_LINK))
    return evidence


def _supcon_evidence(record, records):
    contrastive = record["results"].get("contrastive")
    if not contrastive:
        return []
    ours = contrastive["supervised_contrastive"]["final_val_probe_accuracy"]
    theirs = contrastive["from_scratch"]["final_val_probe_accuracy"]
    return [(
        f"SupCon + linear probe, {record['settings']['contrastive_epochs']}"
        f" epochs: val acc {_mean_spread(ours)}",
        f"same encoder trained with CE, probed: {_mean_spread(theirs)}",
        _seed_count(ours), compare_verdict(ours, theirs),
        "[contrastive](recipes/contrastive.md)")]


def _tract_convergence_evidence(record, records):
    low, high = TRACT_CLAIMED_SPEEDUP
    evidence = []
    summary = _tract_summary(record["results"]["test_accuracy_by_epoch"])
    for optimizer, s in summary.items():
        speedup = s["speedup"]
        if not speedup or speedup <= 1:
            verdict = "not reproduced"
        elif speedup < low:
            verdict = "direction holds (below the claimed range)"
        else:
            verdict = "reproduced" + ("" if speedup <= high
                                      else " (above the claimed range)")
        evidence.append((
            f"{optimizer} + TrAct: " + (
                f"{_ratio(speedup)} fewer epochs to the plain final acc"
                if speedup else "never reached the plain final acc"),
            f"plain first layer: final acc {s['plain_final']:.3f}",
            f"{record['settings']['seeds']} seeds (mean curve)", verdict,
            "[TrAct convergence](#tract-convergence)"))
    return evidence


def _tract_shifted_evidence(record, records):
    regime = _regime(record, "tract_intensity")
    if not regime:
        return []
    scores = regime["scores"]
    ours, theirs = scores["TrAct, shifted"], scores["plain, shifted"]
    return [(f"TrAct, dim low-contrast inputs: test acc "
             f"{_mean_spread(ours)}",
             f"plain first layer: {_mean_spread(theirs)}",
             _seed_count(ours), compare_verdict(ours, theirs),
             REGIMES_LINK)]


def _flatness_evidence(name):
    def extract(record, records):
        per_seed = record["results"]["per_seed"]
        ours = per_seed[name]["lambda_max"]
        base = per_seed["base"]["lambda_max"]
        return [(f"{name}: top Hessian eigenvalue {_mean_spread(ours)} "
                 f"after {record['settings']['epochs']} epochs",
                 f"plain: {_mean_spread(base)}", _seed_count(ours),
                 compare_verdict(ours, base, higher_is_better=False),
                 SHARPNESS_LINK)]
    return extract


def _label_noise_evidence(name):
    def extract(record, records):
        regime = _regime(record, "label_noise")
        if not regime or name not in regime["scores"]:
            return []
        scores = regime["scores"]
        return [(f"{name}, 40% noisy labels: clean test acc "
                 f"{_mean_spread(scores[name])}",
                 f"plain SGD: {_mean_spread(scores['plain'])}",
                 _seed_count(scores[name]),
                 compare_verdict(scores[name], scores["plain"]),
                 REGIMES_LINK)]
    return extract


# "At almost the base optimizer's cost": a step at most this many times the
# base step counts as reproduced.
FREE_STEP_RATIO = 1.25


def _step_cost_evidence(name):
    def extract(record, records):
        variants = record["results"]["variants"]
        ratio = variants[name]["median_ratio_to_base"]
        sam = variants["SAM"]["median_ratio_to_base"]
        verdict = ("reproduced" if ratio <= FREE_STEP_RATIO
                   else "direction holds (cheaper than SAM)" if ratio < sam
                   else "not reproduced")
        return [(f"{name}: step {_ratio(ratio)} of the plain step",
                 f"SAM: {_ratio(sam)}",
                 f"median of {record['settings']['rounds']} timing rounds",
                 verdict, "[training step](#training-step-wrappers)")]
    return extract


def _lr_sensitivity_evidence(record, records):
    results = record["results"]
    sensitivity = results["lr_sensitivity"]
    losses = results["final_loss"]
    lower = sum(1 for ours, theirs in zip(losses["qk_norm + z_loss"],
                                          losses["baseline"])
                if ours is not None and (theirs is None or ours < theirs))
    return [(
        f"qk-layernorm + z-loss: LR sensitivity "
        f"{sensitivity['qk_norm + z_loss']:.3f}, final loss below plain at "
        f"{lower} of {len(losses['baseline'])} learning rates",
        f"plain attention + CE: {sensitivity['baseline']:.3f}",
        "one run per learning rate",
        compare_verdict([sensitivity["qk_norm + z_loss"]],
                        [sensitivity["baseline"]], higher_is_better=False),
        "[LR sensitivity](#lr-sensitivity)")]


def _fisher_evidence(record, records):
    accuracy = record["results"]["accuracy"]

    def per_seed_mean(key):
        return [statistics.fmean(pair) for pair in accuracy[key]["per_seed"]]
    ours, theirs = (per_seed_mean("Fisher, unit norm"),
                    per_seed_mean("plain average"))
    return [(f"Fisher merge (unit-norm Fishers): mean acc over both tasks "
             f"{_mean_spread(ours)}",
             f"plain average: {_mean_spread(theirs)}", _seed_count(ours),
             compare_verdict(ours, theirs),
             "[Fisher merging](#fisher-merging)")]


def _data_pruning_evidence(record, records):
    regime = _regime(record, "data_pruning")
    if not regime:
        return []
    scores = regime["scores"]
    kept = regime["settings"]["keep_fraction"]
    return [(f"{name}, {kept:.0%} of {regime['settings']['train_size']} "
             f"kept: test acc {_mean_spread(scores[name])}",
             f"random: {_mean_spread(scores['random'])}",
             _seed_count(scores[name]),
             compare_verdict(scores[name], scores["random"]), REGIMES_LINK)
            for name in ("EL2N easy", "prototypes easy")]


def _state_tracking_evidence(record, records):
    runs = record["results"]["runs"]
    train_length = str(record["settings"]["train_length"])
    longest = str(max(record["settings"]["test_lengths"]))

    def accuracy(key, length):
        return [run["last_position_accuracy"][length] for run in runs[key]]
    ours, theirs = accuracy("[-1, 1]", train_length), \
        accuracy("[0, 1]", train_length)
    return [(
        f"eigenvalues in [-1, 1]: parity acc {_mean_spread(ours)} at the "
        f"training length {train_length} "
        f"({_mean_spread(accuracy('[-1, 1]', longest))} at {longest})",
        f"[0, 1]: {_mean_spread(theirs)} "
        f"({_mean_spread(accuracy('[0, 1]', longest))} at {longest})",
        _seed_count(ours), compare_verdict(ours, theirs),
        "[state tracking](#state-tracking)")]


def _robustness_evidence(record, records):
    defenses = record["results"]["defenses"]
    epsilon = record["settings"]["epsilon"]
    plain = defenses["none"]["pgd_accuracy"]
    return [(f"{name.upper()} training: PGD acc (epsilon {epsilon}) "
             f"{defenses[name]['pgd_accuracy']:.3f}, clean "
             f"{defenses[name]['clean_accuracy']:.3f}",
             f"standard training: PGD acc {plain:.3f}, clean "
             f"{defenses['none']['clean_accuracy']:.3f}",
             f"seed {record['settings']['seed']}",
             compare_verdict([defenses[name]["pgd_accuracy"]], [plain]),
             "[robustness](#robustness)")
            for name in ("fgsm", "pgd") if name in defenses]


def _moe_evidence(record, records):
    variants = record["results"]["variants"]
    sparse = variants["sparse"]["round_ms_per_step"]
    evidence = []
    for name, label in (("dense_all", "dense layer of the same parameters"),
                        ("dense_active", "dense layer of the active "
                                         "parameters")):
        dense = variants[name]["round_ms_per_step"]
        ratio = _mean(sparse) / _mean(dense)
        if name == "dense_all":
            verdict = compare_verdict(sparse, dense, higher_is_better=False)
        else:
            verdict = ("reproduced" if ratio <= FREE_STEP_RATIO else
                       "not reproduced (routing overhead)")
        evidence.append((
            f"top-{record['settings']['top_k']} of "
            f"{record['settings']['experts']} experts: step "
            f"{_mean_spread(sparse, 0)} ms", f"{label}: "
            f"{_mean_spread(dense, 0)} ms ({_ratio(ratio)})",
            f"{record['settings']['rounds']} timing rounds", verdict,
            "[mixture of experts](#mixture-of-experts)"))
    return evidence


def _backbone_evidence(name):
    def extract(record, records):
        results = record["results"]
        if name not in results["step_seconds"]:
            return []
        ours = results["step_seconds"][name]
        base = results["step_seconds"]["recipe_resnet"]
        verdict = compare_verdict(ours, base, higher_is_better=False)
        if name == "poolformer_s12":
            verdict = ("not decided: accuracy not measured (step time "
                       f"{verdict})")
        return [(f"{results['descriptions'][name]}: "
                 f"{results['parameters'][name] / 1e6:.1f}M parameters, "
                 f"step {_mean_spread(ours, 2)} s",
                 f"ResNet, {results['parameters']['recipe_resnet'] / 1e6:.1f}"
                 f"M parameters: step {_mean_spread(base, 2)} s",
                 f"{record['settings']['repeats']} timing repeats", verdict,
                 "[backbones](recipes/image_classifier.md)")]
    return extract


def _haar_dwt_evidence(record, records):
    variants = record["results"]["variants"]
    ours = variants["haar_dwt"]["round_ms_per_step"]
    theirs = variants["strided_conv"]["round_ms_per_step"]
    return [(f"HaarDWT2D ({variants['haar_dwt']['parameters']} parameters): "
             f"step {_mean_spread(ours, 0)} ms",
             f"strided 2x2 convolution "
             f"({variants['strided_conv']['parameters']:,} parameters): "
             f"{_mean_spread(theirs, 0)} ms",
             f"{record['settings']['rounds']} timing rounds",
             compare_verdict(ours, theirs, higher_is_better=False),
             "[Haar DWT](#haar-dwt-against-a-strided-convolution)")]


def _parity_evidence(test_file, reference):
    """Evidence that needs no record: the test suite checks the values
    against an independent NumPy reference of tensorflow-addons'
    definition (`reference`, a file of tests/references)."""
    def extract(record, records):
        text = (ROOT / test_file).read_text()
        checked = ("def test_correctness_against_reference" in text
                   and (ROOT / reference).exists())
        return [(f"`{test_file}` compares the values with the NumPy "
                 f"reference `{reference}`",
                 "tensorflow-addons' definition (the reference)",
                 "seeded inputs (`np.random.default_rng(0)`)",
                 "parity: checked by the test suite" if checked else
                 "not reproduced: the parity test is missing",
                 f"`{test_file}`")]
    return extract


def _match_verdict(technique, baseline):
    """For claims of matching a baseline: "reproduced" unless the
    technique's mean falls below the baseline's by more than either spread
    over seeds."""
    shortfall = _mean(baseline) - _mean(technique)
    if shortfall <= max(_spread(technique), _spread(baseline)):
        return "reproduced"
    return "not reproduced"


def _sam_variant_evidence(name, matches_sam=False):
    def extract(record, records):
        regime = record["results"]["label_noise"]
        scores, seconds = regime["scores"], regime["fit_seconds"]
        noise = record["settings"]["noise"]
        ours = scores[name]
        link = FIDELITY_LINK
        evidence = [
            (f"{name}, {noise:.0%} noisy labels: clean test acc "
             f"{_mean_spread(ours)}", f"SAM: {_mean_spread(scores['SAM'])}",
             _seed_count(ours),
             (_match_verdict(ours, scores["SAM"]) if matches_sam
              else compare_verdict(ours, scores["SAM"])), link),
            (f"{name}: clean test acc {_mean_spread(ours)}",
             f"plain SGD: {_mean_spread(scores['plain'])}",
             _seed_count(ours), compare_verdict(ours, scores["plain"]),
             link)]
        if matches_sam:
            evidence.append((
                f"{name}: {seconds[name]:.0f} s of training",
                f"SAM: {seconds['SAM']:.0f} s, plain: "
                f"{seconds['plain']:.0f} s", "all seeds, summed",
                compare_verdict([seconds[name]], [seconds["SAM"]],
                                higher_is_better=False), link))
        return evidence
    return extract


# Float32 round-off: an output that moves less than this under the
# transforms counts as exactly invariant.
INVARIANCE_TOLERANCE = 1e-4


def _invariance_evidence(experiment, wrapper):
    def extract(record, records):
        runs = record["results"][experiment]
        ours, bare = runs[wrapper], runs["bare"]
        change, bare_change = (max(ours["trained_output_change"]),
                               max(bare["trained_output_change"]))
        exact = (change <= INVARIANCE_TOLERANCE
                 and bare_change > INVARIANCE_TOLERANCE)
        link = FIDELITY_LINK
        return [
            (f"{wrapper}: largest output change under the transforms "
             f"{_sig(change)} (trained)",
             f"bare model: {_sig(bare_change)}",
             _seed_count(ours["trained_output_change"]),
             "reproduced" if exact else "not reproduced", link),
            (f"{wrapper}: test acc on transformed inputs "
             f"{_mean_spread(ours['moved_test_accuracy'])} (untransformed "
             f"{_mean_spread(ours['test_accuracy'])})",
             f"bare model: {_mean_spread(bare['moved_test_accuracy'])} "
             f"(untransformed {_mean_spread(bare['test_accuracy'])})",
             _seed_count(ours["moved_test_accuracy"]),
             compare_verdict(ours["moved_test_accuracy"],
                             bare["moved_test_accuracy"]), link)]
    return extract

def _final_by_rate(curves):
    """`{rate: [final accuracy per seed]}` of one optimizer's curves."""
    return {rate: [curve[-1] for curve in runs]
            for rate, runs in curves.items()}


def _rate_spread_per_seed(curves):
    finals = list(_final_by_rate(curves).values())
    return [max(column) - min(column) for column in zip(*finals)]


def _best_rate(curves):
    finals = _final_by_rate(curves)
    return max(finals, key=lambda rate: _mean(finals[rate]))


OPTIMIZER_CLAIMS_LINK = FIDELITY_LINK


def _lr_robustness_evidence(name):
    def extract(record, records):
        curves = record["results"]["sweep"]["test_accuracy_by_epoch"]
        ours = _rate_spread_per_seed(curves[name])
        adam = _rate_spread_per_seed(curves["Adam"])
        rates = ", ".join(curves[name])
        return [(f"{name}, no warmup: spread of final test acc over the "
                 f"learning rates {rates}: {_mean_spread(ours)}",
                 f"Adam: {_mean_spread(adam)}", _seed_count(ours),
                 compare_verdict(ours, adam, higher_is_better=False),
                 OPTIMIZER_CLAIMS_LINK)]
    return extract


def _best_accuracy_evidence(name):
    def extract(record, records):
        curves = record["results"]["sweep"]["test_accuracy_by_epoch"]
        ours_rate, adam_rate = _best_rate(curves[name]), \
            _best_rate(curves["Adam"])
        ours = _final_by_rate(curves[name])[ours_rate]
        adam = _final_by_rate(curves["Adam"])[adam_rate]
        epochs = record["settings"]["epochs"]
        return [(f"{name} at its best rate ({ours_rate}): test acc "
                 f"{_mean_spread(ours)} after {epochs} epochs",
                 f"Adam at its best rate ({adam_rate}): "
                 f"{_mean_spread(adam)}", _seed_count(ours),
                 compare_verdict(ours, adam), OPTIMIZER_CLAIMS_LINK)]
    return extract


def _epochs_to_adam_evidence(name):
    def extract(record, records):
        curves = record["results"]["sweep"]["test_accuracy_by_epoch"]
        adam_rate = _best_rate(curves["Adam"])
        target = _mean(_final_by_rate(curves["Adam"])[adam_rate])
        rate = _best_rate(curves[name])
        mean_curve = [statistics.fmean(epoch)
                      for epoch in zip(*curves[name][rate])]
        epochs = len(mean_curve)
        reached = next((i + 1 for i, accuracy in enumerate(mean_curve)
                        if accuracy >= target), None)
        verdict = ("not reproduced" if reached is None or reached >= epochs
                   else "reproduced" if reached <= epochs / 2
                   else "direction holds")
        return [(f"{name} at its best rate ({rate}): "
                 + (f"Adam's final test acc reached at epoch {reached} of "
                    f"{epochs}" if reached else
                    f"Adam's final test acc not reached in {epochs} epochs"),
                 f"Adam at its best rate ({adam_rate}): {target:.3f} after "
                 f"{epochs} epochs",
                 f"{len(curves[name][rate])} seeds (mean curve)", verdict,
                 OPTIMIZER_CLAIMS_LINK)]
    return extract


def _projection_evidence(record, records):
    runs = record["results"]["projection"]
    ours, theirs = runs["SGDP"], runs["SGD"]
    epochs = record["settings"]["epochs"]
    return [
        (f"SGDP, {epochs} epochs: scale-invariant kernel norm "
         f"x{_mean_spread(ours['kernel_norm_growth'])}",
         f"SGD: x{_mean_spread(theirs['kernel_norm_growth'])}",
         _seed_count(ours["kernel_norm_growth"]),
         compare_verdict(ours["kernel_norm_growth"],
                         theirs["kernel_norm_growth"],
                         higher_is_better=False), OPTIMIZER_CLAIMS_LINK),
        (f"SGDP: test acc {_mean_spread(ours['test_accuracy'])}",
         f"SGD: {_mean_spread(theirs['test_accuracy'])}",
         _seed_count(ours["test_accuracy"]),
         compare_verdict(ours["test_accuracy"], theirs["test_accuracy"]),
         OPTIMIZER_CLAIMS_LINK)]

def _training_claim_evidence(name, baseline, key="test_accuracy",
                             matches=False, baseline_label=None):
    """A variant of `benchmarks.training_claims` against another of the
    same run; `matches`: the claim is to match the baseline."""
    labels = {"test_accuracy": "test acc", "train_loss": "train loss"}

    def extract(record, records):
        variants = record["results"]["variants"]
        ours, theirs = variants[name][key], variants[baseline][key]
        if matches:
            verdict = _match_verdict(ours, theirs)
        else:
            verdict = compare_verdict(
                ours, theirs, higher_is_better=key != "train_loss")
        epochs = record["settings"]["epochs"]
        return [(f"{name}, {epochs} epochs: {labels[key]} "
                 f"{_mean_spread(ours)}",
                 f"{baseline_label or baseline}: {_mean_spread(theirs)}",
                 _seed_count(ours), verdict, FIDELITY_LINK)]
    return extract

def _binary_estimator_evidence(pairs):
    """`pairs`: `(variant, baseline)` names of `benchmarks.
    binary_estimators`, compared on validation accuracy."""
    def extract(record, records):
        accuracy = record["results"]["final_val_accuracy"]
        epochs = record["settings"]["epochs"]
        return [(f"{ours}, {epochs} epochs: val acc "
                 f"{_mean_spread(accuracy[ours])}",
                 f"{theirs}: {_mean_spread(accuracy[theirs])}",
                 _seed_count(accuracy[ours]),
                 compare_verdict(accuracy[ours], accuracy[theirs]),
                 "[binary_net](recipes/binary_net.md)")
                for ours, theirs in pairs]
    return extract

METRIC_LOSSES_PARITY = _parity_evidence(
    "tests/losses/metric_learning_losses_test.py",
    "tests/references/tfa_losses.py")


# -- evidence from `benchmarks.component_claims` ------------------------------

def _component_experiment(record, name):
    """One experiment's results in the `component_claims` record, or
    None when that experiment has not run."""
    return record["results"].get(name)


def _softmax_collapse_evidence(record, records):
    experiment = _component_experiment(record, "softmax_collapse_monitor")
    if not experiment:
        return []
    runs, steps = experiment["runs"], experiment["steps"][-1]
    decay = experiment["settings"]["weight_decay"]
    bare, decayed = runs["no weight decay"], runs["weight decay"]

    def peak(runs):
        return [max(curve) for curve in runs["softmax_collapse"]]

    def final(runs):
        return [curve[-1] for curve in runs["val_accuracy"]]

    return [
        (f"softmax CE, AdamW without weight decay: peak Softmax Collapse "
         f"fraction of the training probe {_mean_spread(peak(bare))} in "
         f"{steps:,} steps", f"weight decay {_number(decay)}: "
         f"{_mean_spread(peak(decayed))}", _seed_count(peak(bare)),
         compare_verdict(peak(bare), peak(decayed)), FIDELITY_LINK),
        (f"without weight decay: val acc after {steps:,} steps "
         f"{_mean_spread(final(bare))} (train acc "
         f"{_mean_spread([c[-1] for c in bare['train_accuracy']])})",
         f"weight decay {_number(decay)}: {_mean_spread(final(decayed))}",
         _seed_count(final(bare)),
         compare_verdict(final(bare), final(decayed),
                         higher_is_better=False), FIDELITY_LINK)]


def _pooling_head_evidence(record, records):
    experiment = _component_experiment(
        record, "group_generalized_mean_pooling")
    if not experiment:
        return []
    accuracy = experiment["test_accuracy"]
    epochs = experiment["settings"]["epochs"]
    ours = accuracy["GGeM (8 groups)"]
    measured = (f"GGeM (8 groups) head of a small CNN, {epochs} epochs: "
                f"test acc {_mean_spread(ours)}", "GGeM: same runs")
    return [(text, f"{baseline}: {_mean_spread(accuracy[baseline])}",
             _seed_count(ours), compare_verdict(ours, accuracy[baseline]),
             FIDELITY_LINK)
            for text, baseline in zip(measured, ("global average pooling",
                                                 "GeM (one group)"))]


def _pyramid_pooling_evidence(record, records):
    experiment = _component_experiment(record, "spatial_pyramid_pooling2d")
    if not experiment:
        return []
    accuracy = experiment["test_accuracy"]
    spp, flat = (accuracy["SPP, trained at all sizes"],
                 accuracy["flatten, trained at one size"])
    sizes = [str(size) for size in experiment["sizes"]]

    def per_seed_mean(by_size):
        return [statistics.fmean(column)
                for column in zip(*(by_size[size] for size in sizes))]

    def by_size(runs):
        return ", ".join(f"{size}px {_mean(runs[size]):.3f}"
                         for size in sizes)

    return [(f"SPP CNN trained on {', '.join(sizes)}px images: test acc "
             f"averaged over the sizes {_mean_spread(per_seed_mean(spp))} "
             f"({by_size(spp)})",
             f"flattening CNN at {experiment['fixed_size']}px, test images "
             f"resized to it: {_mean_spread(per_seed_mean(flat))} "
             f"({by_size(flat)})", _seed_count(per_seed_mean(spp)),
             compare_verdict(per_seed_mean(spp), per_seed_mean(flat)),
             FIDELITY_LINK)]


def _batchnorm_only_evidence(record, records):
    experiment = _component_experiment(record, "train_only_batchnorm")
    if not experiment:
        return []
    accuracy = experiment["test_accuracy"]
    counts = experiment["trained_parameters"]
    epochs = experiment["settings"]["epochs"]
    ours = accuracy["only BatchNorm"]
    subset = accuracy["random subset of equal size"]
    chance = experiment["chance"]
    return [
        (f"only BatchNorm trained ({counts['only BatchNorm']:,} of "
         f"{counts['all weights']:,} weights) in a 4-layer CNN, {epochs} "
         f"epochs: test acc {_mean_spread(ours)}", f"chance: {chance:.3f}",
         _seed_count(ours), compare_verdict(ours, [chance] * len(ours)),
         FIDELITY_LINK),
        (f"only BatchNorm: {_mean_spread(ours)} (all weights trained: "
         f"{_mean_spread(accuracy['all weights'])})",
         f"{counts['random subset of equal size']:,} random other weights "
         f"trained: {_mean_spread(subset)}", _seed_count(ours),
         compare_verdict(ours, subset), FIDELITY_LINK)]


def _batch_scaling_evidence(record, records):
    experiment = _component_experiment(record, "scale_learning_rate")
    if not experiment:
        return []
    exponents = experiment["exponent"]
    sizes = ", ".join(str(size) for size in experiment["batch_sizes"])
    epochs = experiment["settings"]["scaling_epochs"]
    return [(f"SGD: exponent of the best learning rate against the batch "
             f"size ({sizes}; MLP on digits, {epochs} epochs) "
             f"{_mean_spread(exponents['SGD'], 2)} (theory: 1)",
             f"Adam: {_mean_spread(exponents['Adam'], 2)} (theory: 0.5)",
             _seed_count(exponents["SGD"]),
             compare_verdict(exponents["SGD"], exponents["Adam"]),
             FIDELITY_LINK)]


def _long_range_evidence(record, records):
    experiment = _component_experiment(record, "s4d")
    if not experiment:
        return []
    accuracy = experiment["test_accuracy"]
    settings = experiment["settings"]
    ours = accuracy["S4D"]
    return [(f"S4D block, recall of the first of "
             f"{settings['recall_length']} noisy steps, "
             f"{settings['recall_epochs']} epochs: test acc "
             f"{_mean_spread(ours)} (chance {experiment['chance']:.2f})",
             f"GRU of the same width: {_mean_spread(accuracy['GRU'])}",
             _seed_count(ours), compare_verdict(ours, accuracy["GRU"]),
             FIDELITY_LINK)]


def _set_pooling_evidence(record, records):
    experiment = _component_experiment(record, "attentional_set_pooling")
    if not experiment:
        return []
    accuracy = experiment["test_accuracy"]
    sizes = [str(size) for size in experiment["test_set_sizes"]]

    def per_seed_mean(name):
        return [statistics.fmean(column)
                for column in zip(*(accuracy[name][size] for size in sizes))]

    def by_size(name):
        return ", ".join(f"{size} views {_mean(accuracy[name][size]):.3f}"
                         for size in sizes)

    ours = per_seed_mean("AttSets")
    measured = (f"AttSets, trained on sets of "
                f"{experiment['train_set_size']} views (half "
                f"uninformative), test acc over {', '.join(sizes)} views "
                f"{_mean_spread(ours)} ({by_size('AttSets')})",
                "AttSets: same runs")
    return [(text, f"{baseline}: {_mean_spread(per_seed_mean(baseline))} "
             f"({by_size(baseline)})", _seed_count(ours),
             compare_verdict(ours, per_seed_mean(baseline)), FIDELITY_LINK)
            for text, baseline in zip(measured,
                                      ("mean pooling", "max pooling"))]


def _decay_sensitivity_evidence(record, records):
    experiment = _component_experiment(record, "independent_weight_decay")
    if not experiment:
        return []
    sweeps = experiment["sweeps"]
    settings = experiment["settings"]

    def sensitivity(variant):
        return [sweep["lr_sensitivity"][variant] for sweep in sweeps]

    ours, coupled = (sensitivity("independent"),
                     sensitivity("coupled (AdamW)"))
    rates = sweeps[0]["learning_rates"]
    return [(f"independent decay "
             f"{_number(experiment['independent_weight_decay'])} per step, "
             f"Adam on digits, rates {_lr_label(rates[0])} to "
             f"{_lr_label(rates[-1])}: LR sensitivity of the val loss "
             f"{_mean_spread(ours)}",
             f"coupled decay (AdamW, weight_decay "
             f"{_number(settings['coupled_weight_decay'])}): "
             f"{_mean_spread(coupled)}", _seed_count(ours),
             compare_verdict(ours, coupled, higher_is_better=False),
             FIDELITY_LINK)]


def _mode_connectivity_evidence(record, records):
    experiment = _component_experiment(record, "linear_mode_connectivity")
    if not experiment:
        return []
    barriers = experiment["test_loss_barrier"]
    ours = barriers["one initialization"]
    epochs = experiment["settings"]["lmc_epochs"]
    return [(f"test-loss barrier between two MLPs trained on for {epochs} "
             f"epochs from one parent (itself trained {epochs} epochs), "
             f"with different data orders: {_mean_spread(ours)}",
             f"two MLPs trained {epochs} epochs from two "
             f"initializations: "
             f"{_mean_spread(barriers['two initializations'])}",
             _seed_count(ours),
             compare_verdict(ours, barriers["two initializations"],
                             higher_is_better=False), FIDELITY_LINK)]


def _thresholdout_evidence(record, records):
    """How far the reported holdout accuracy is from the fresh-data truth
    at the largest number of adaptively selected features, Thresholdout
    against the plain holdout."""
    accuracy = record["results"]["accuracy"]
    last = record["results"]["selected_counts"][-1]

    def at_last(method, split):
        return [run[-1] for run in accuracy[method][split]]

    def overstatement(method):
        return [reported - fresh for reported, fresh in zip(
            at_last(method, "holdout"), at_last(method, "fresh"))]

    reported = at_last("thresholdout", "holdout")
    return [(
        f"Thresholdout reports {_mean_spread(reported)} at k = {last} "
        f"(fresh data: "
        f"{_mean_spread(at_last('thresholdout', 'fresh'))})",
        f"plain holdout reports {_mean_spread(at_last('plain', 'holdout'))} "
        f"(fresh data: {_mean_spread(at_last('plain', 'fresh'))})",
        _seed_count(at_last("plain", "holdout")),
        compare_verdict(overstatement("thresholdout"),
                        overstatement("plain"), higher_is_better=False),
        "[Thresholdout](#thresholdout-the-reusable-holdout)")]


def _intrinsic_dimension_evidence(record, records):
    """d_int90 of the digits classifier against its parameter count: the
    claim's direction holds when d_int90 is far below D."""
    results = record["results"]
    d_int, total = results["intrinsic_dimension"], results["num_parameters"]
    if d_int is None:
        measured, verdict = "no d of the grid reaches 90%", "not reproduced"
    else:
        measured = (f"d_int90 = {d_int:,} of D = {total:,} weights "
                    f"({total / d_int:.0f}x fewer), fastfood projection")
        verdict = ("direction holds (one run: spread unknown)"
                   if d_int * 10 <= total else "not reproduced")
    return [(measured,
             f"full model: val acc {results['full_accuracy']:.3f}",
             "1 seed", verdict,
             "[intrinsic dimension](#intrinsic-dimension)")]


def _noise_adaptive_evidence(record, records):
    runs = record["results"]["runs"]

    def held_out(name):
        return [run["held_out_loss"] for run in runs[name].values()]

    return [(f"held-out loss {_mean_spread(held_out('noise_adaptive'))}",
             f"Muon: {_mean_spread(held_out('muon'))}",
             _seed_count(held_out("muon")),
             compare_verdict(held_out("noise_adaptive"), held_out("muon"),
                             higher_is_better=False),
             "[noise-adaptive learning rates]"
             "(#noise-adaptive-layerwise-learning-rates)")]



def _class_aware_pruning_evidence(record, records):
    models = record["results"]["models"]

    def missed(model):
        return [seed["minority_false_negatives"]
                for seed in models[model]["per_seed"]]

    sparsity = record["results"]["sparsity"]
    link = "[class-aware weight pruning](#class-aware-weight-pruning)"
    return [(
        f"false negatives on the rare digits at sparsity {sparsity:.2f}: "
        f"{_mean_spread(missed('class-aware'), 1)} (dense: "
        f"{models['dense']['minority_false_negatives']:.1f})",
        f"plain lottery-ticket pruning: {_mean_spread(missed('plain'), 1)}",
        _seed_count(missed("plain")),
        compare_verdict(missed("class-aware"), missed("plain"),
                        higher_is_better=False), link)]


def _mu_transfer_evidence(record, records):
    """µTransfer holds when µP's best learning rate moves less across
    widths than the standard parametrization's."""
    results = record["results"]
    small, large = (str(width) for width in results["widths"])

    def best(parametrization):
        rates = results[parametrization]["best_learning_rate"]
        steps = results[parametrization]["grid_steps_apart"]
        return (f"best LR {_lr_label(rates[small])} at width {small}, "
                f"{_lr_label(rates[large])} at {large} ({steps} grid "
                f"step{'s' if steps != 1 else ''} apart)")

    mup_steps = results["mup"]["grid_steps_apart"]
    standard_steps = results["standard"]["grid_steps_apart"]
    if mup_steps < standard_steps:
        verdict = "direction holds (one run each: spread unknown)"
    else:
        verdict = ("not reproduced: the best rate moves as far under the "
                   "standard parametrization")
    return [(f"µP: {best('mup')}", f"standard: {best('standard')}", "1 seed",
             verdict, "[µTransfer](#learning-rate-transfer-across-widths)")]


# -- benchmarks.loss_claims ---------------------------------------------------

LOSS_CLAIMS_LINK = FIDELITY_LINK
# A loss that moves less than this under the logit transforms counts as
# exactly invariant (float32 round-off).
LOSS_INVARIANCE_TOLERANCE = 1e-4
# Sinkhorn divergence within this relative distance of its limit (exact
# OT, MMD) counts as having reached it.
SINKHORN_LIMIT_TOLERANCE = 0.05


def _loss_claim_runs(record, experiment):
    return record["results"].get(experiment)


def _z_loss_evidence(record, records):
    runs = _loss_claim_runs(record, "z_loss")
    if not runs:
        return []
    default, tuned = runs["ZLoss"], runs["ZLoss_tuned"]
    softmax = runs["softmax_ce"]
    change = max(default["loss_change_under_scale_shift"]
                 + tuned["loss_change_under_scale_shift"])
    softmax_change = max(softmax["loss_change_under_scale_shift"])
    invariant = (change <= LOSS_INVARIANCE_TOLERANCE
                 < softmax_change)
    epochs = record["settings"]["z_epochs"]
    return [
        (f"ZLoss: largest loss change under logits x [0.1, 10] + "
         f"[-5, 5] {_sig(change)}",
         f"softmax CE: {_sig(softmax_change)}",
         _seed_count(softmax["loss_change_under_scale_shift"]),
         "reproduced" if invariant else "not reproduced", LOSS_CLAIMS_LINK),
        (f"ZLoss, 100 generated classes, {epochs} epochs, a and b tuned on "
         f"a validation split: top-5 test acc "
         f"{_mean_spread(tuned['top5_test_accuracy'])} (top-1 "
         f"{_mean_spread(tuned['top1_test_accuracy'])}; defaults a=1, b=0: "
         f"{_mean_spread(default['top5_test_accuracy'])})",
         f"softmax CE: {_mean_spread(softmax['top5_test_accuracy'])} "
         f"(top-1 {_mean_spread(softmax['top1_test_accuracy'])})",
         _seed_count(tuned["top5_test_accuracy"]),
         _match_verdict(tuned["top5_test_accuracy"],
                        softmax["top5_test_accuracy"]), LOSS_CLAIMS_LINK)]


def _cross_entropy_dice_evidence(record, records):
    runs = _loss_claim_runs(record, "cross_entropy_dice_loss")
    if not runs:
        return []
    ours = runs["weighted_ce_plus_dice"]["thin_dice"]
    epochs = record["settings"]["seg_epochs"]
    measured = (f"weighted CE + Dice, {epochs} epochs: test Dice of the "
                f"1-pixel lines {_mean_spread(ours)} (discs "
                f"{_mean_spread(runs['weighted_ce_plus_dice']['disc_dice'])}"
                f")", "(the same run)")
    return [(text, f"{label}: {_mean_spread(runs[alone]['thin_dice'])} "
             f"(discs {_mean_spread(runs[alone]['disc_dice'])})",
             _seed_count(ours),
             compare_verdict(ours, runs[alone]["thin_dice"]),
             LOSS_CLAIMS_LINK)
            for text, (alone, label) in zip(measured, (
                ("weighted_ce", "weighted CE alone"),
                ("dice", "Dice alone")))]


def _scale_shift_invariant_evidence(record, records):
    runs = _loss_claim_runs(record, "scale_shift_invariant_loss")
    if not runs:
        return []
    ours = runs["ScaleShiftInvariantLoss"]["aligned_relative_rmse"]
    mse = runs["mse"]["aligned_relative_rmse"]
    epochs = record["settings"]["depth_epochs"]
    return [(f"targets with a random scale (0.2-5) and shift per image, "
             f"{epochs} epochs: test RMSE after alignment to the true "
             f"depth, relative to its spread, {_mean_spread(ours)}",
             f"MSE on the same targets: {_mean_spread(mse)}",
             _seed_count(ours),
             compare_verdict(ours, mse, higher_is_better=False),
             LOSS_CLAIMS_LINK)]


def _relative_gaps(values, limits):
    return [abs(value - limit) / limit
            for value, limit in zip(values, limits)]


def _sinkhorn_evidence(record, records):
    runs = _loss_claim_runs(record, "sinkhorn_divergence")
    if not runs:
        return []
    epsilons = runs["relative_epsilons"][0]
    smallest = [curve[0] for curve in runs["divergence"]]
    largest = [curve[-1] for curve in runs["divergence"]]
    ot_gap = _relative_gaps(smallest, runs["exact_ot"])
    mmd_gap = _relative_gaps(largest, runs["mmd_limit"])
    both = max(ot_gap + mmd_gap) <= SINKHORN_LIMIT_TOLERANCE
    positive = (min(runs["smallest_on_random_pairs"]) > 0
                and max(map(abs, runs["on_equal_clouds"]))
                <= LOSS_INVARIANCE_TOLERANCE)
    points = record["settings"]["sinkhorn_points"]
    return [
        (f"{points}-point 2-D clouds: relative gap to exact OT at "
         f"epsilon = {epsilons[0]} mean(C): {_mean_spread(ot_gap)}; to the "
         f"MMD limit at {epsilons[-1]} mean(C): {_mean_spread(mmd_gap)}",
         f"exact OT (assignment): {_mean_spread(runs['exact_ot'])}; "
         f"|mean(x) - mean(y)|^2: {_mean_spread(runs['mmd_limit'])}",
         _seed_count(ot_gap),
         "reproduced" if both else "not reproduced", LOSS_CLAIMS_LINK),
        (f"smallest value on random pairs "
         f"{_sig(min(runs['smallest_on_random_pairs']))}, largest on equal "
         f"clouds {_sig(max(map(abs, runs['on_equal_clouds'])))} "
         f"(convexity not measured)",
         "positive, and zero on equal clouds",
         _seed_count(ot_gap),
         "reproduced" if positive else "not reproduced", LOSS_CLAIMS_LINK)]


def _monge_gap_evidence(record, records):
    runs = _loss_claim_runs(record, "monge_gap")
    if not runs:
        return []
    ours, fitting = runs["fitting_plus_monge_gap"], runs["fitting_only"]
    epochs = record["settings"]["monge_epochs"]
    return [(f"Sinkhorn fit + Monge gap, {epochs} epochs: squared error to "
             f"the true OT map {_mean_spread(ours['map_error'])} (fit "
             f"divergence {_mean_spread(ours['fit_divergence'])})",
             f"Sinkhorn fit alone: {_mean_spread(fitting['map_error'])} "
             f"(fit divergence {_mean_spread(fitting['fit_divergence'])})",
             _seed_count(ours["map_error"]),
             compare_verdict(ours["map_error"], fitting["map_error"],
                             higher_is_better=False), LOSS_CLAIMS_LINK)]


def _interval_bound_evidence(record, records):
    runs = _loss_claim_runs(record, "interval_bound_propagation")
    if not runs:
        return []
    ours, standard = runs["IBP"], runs["standard"]
    epsilon = record["settings"]["ibp_epsilon"]
    return [(f"digits, test radius {epsilon}: verified test acc "
             f"{_mean_spread(ours['verified_test_accuracy'])} (clean "
             f"{_mean_spread(ours['clean_test_accuracy'])})",
             f"standard training: "
             f"{_mean_spread(standard['verified_test_accuracy'])} (clean "
             f"{_mean_spread(standard['clean_test_accuracy'])})",
             _seed_count(ours["verified_test_accuracy"]),
             compare_verdict(ours["verified_test_accuracy"],
                             standard["verified_test_accuracy"]),
             LOSS_CLAIMS_LINK)]


# -- evidence from `benchmarks.diagnostic_claims` -----------------------------

def _diagnostic_experiment(record, name):
    """One experiment's results in the `diagnostic_claims` record, or
    None when that experiment has not run."""
    return record["results"].get(name)


def _saliency_evidence(record, records):
    experiment = _diagnostic_experiment(record, "saliency")
    if not experiment:
        return []
    hits, mass = experiment["pointing_game"], experiment["mass_in_patch"]
    epochs = experiment["settings"]["saliency_epochs"]
    accuracy = experiment["test_accuracy"]

    def scores(name):
        return (f"pointing game {_mean_spread(hits[name])}, mass in the "
                f"patch {_mean_spread(mass[name])}")

    baseline = (f"absolute input gradient: {scores('input gradient')} "
                f"(random map: {scores('random map')})")
    setting = (f"on a small CNN ({epochs} epochs, test acc "
               f"{_mean_spread(accuracy)}) whose class is a planted patch "
               f"at a random place, beside an uninformative blob")
    return [(f"{name} at the last convolution, {where}: {scores(name)}",
             baseline, _seed_count(hits[name]),
             compare_verdict(hits[name], hits["input gradient"]),
             FIDELITY_LINK)
            for name, where in (("Grad-CAM", setting),
                                ("NormGrad", "same runs"))]


def _nero_evidence(record, records):
    experiment = _diagnostic_experiment(record, "nero_evaluation")
    if not experiment:
        return []
    plain, augmented = (experiment["runs"]["plain"],
                        experiment["runs"]["rotation-augmented"])
    step = experiment["settings"]["nero_step"]

    def curve(runs):
        lowest = [min(values) for values in runs["curve"]]
        return (f"upright test acc {_mean_spread(runs['upright_accuracy'])}"
                f", lowest on the orbit {_mean_spread(lowest)}")

    return [
        (f"CNN trained on upright shapes, NERO accuracy every {step} "
         f"degrees: spread (max - min) {_mean_spread(plain['spread'])} "
         f"({curve(plain)})",
         f"same CNN trained with random rotations: "
         f"{_mean_spread(augmented['spread'])} ({curve(augmented)})",
         _seed_count(plain["spread"]),
         compare_verdict(plain["spread"], augmented["spread"]),
         FIDELITY_LINK),
        (f"rotation-augmented CNN: accuracy of the orbit consensus "
         f"against the true labels "
         f"{_mean_spread(augmented['consensus_accuracy'])} (plain CNN: "
         f"{_mean_spread(plain['consensus_accuracy'])})",
         f"its accuracy at one orbit point, averaged over the orbit: "
         f"{_mean_spread(augmented['orbit_mean_accuracy'])}",
         _seed_count(augmented["consensus_accuracy"]),
         compare_verdict(augmented["consensus_accuracy"],
                         augmented["orbit_mean_accuracy"]),
         FIDELITY_LINK)]


def _instability_evidence(record, records):
    experiment = _diagnostic_experiment(record, "instability_monitors")
    if not experiment:
        return []
    low, high = experiment["settings"]["instability_learning_rates"]
    slow, fast = (experiment["runs"][str(low)], experiment["runs"][str(high)])
    steps = experiment["steps"][-1]

    def peak(runs):
        return [max(curve) for curve in runs["max_attention_logit"]]

    def lowest_log_z(runs):
        return [min(curve) for curve in runs["output_log_z"]]

    def final_loss(runs):
        return [curve[-1] for curve in runs["loss"]]

    setting = (f"one-block Transformer (no qk-layernorm), Adam, {steps} "
               f"steps")
    return [
        (f"{setting} at rate {_number(high)}: peak largest attention "
         f"logit {_mean_spread(peak(fast), 1)} (final train loss "
         f"{_mean_spread(final_loss(fast))})",
         f"rate {_number(low)}: {_mean_spread(peak(slow), 1)} (final "
         f"train loss {_mean_spread(final_loss(slow))})",
         _seed_count(peak(fast)), compare_verdict(peak(fast), peak(slow)),
         FIDELITY_LINK),
        (f"same runs at rate {_number(high)}: lowest output log Z "
         f"{_mean_spread(lowest_log_z(fast), 2)}",
         f"rate {_number(low)}: {_mean_spread(lowest_log_z(slow), 2)}",
         _seed_count(lowest_log_z(fast)),
         compare_verdict(lowest_log_z(fast), lowest_log_z(slow),
                         higher_is_better=False), FIDELITY_LINK)]


def _opposing_signals_evidence(record, records):
    experiment = _diagnostic_experiment(record, "opposing_signals_monitor")
    if not experiment:
        return []
    planted, control = (experiment["runs"]["planted"],
                        experiment["runs"]["no planted feature"])
    settings = experiment["settings"]
    ours = planted["top_pair"]
    measured = (
        f"two groups of {experiment['group_size']} (of "
        f"{experiment['probe_size']}) with an opposing signal, full-batch "
        f"GD at {_number(settings['opposing_learning_rate'])} for "
        f"{settings['opposing_steps']} steps: anti-correlation of the "
        f"step-to-step loss changes of the monitor's top pair "
        f"{_mean_spread(ours)} (planted share of its members "
        f"{_mean_spread(planted['top_pair_planted_share'], 2)}, swaps "
        f"{_mean_spread(planted['top_pair_swaps'], 1)})")
    return [
        (measured, f"random groups of the same sizes, same runs: "
         f"{_mean_spread(planted['random_groups'])}", _seed_count(ours),
         compare_verdict(ours, planted["random_groups"]), FIDELITY_LINK),
        ("same top pair: " + _mean_spread(ours),
         f"top pair without the planted feature: "
         f"{_mean_spread(control['top_pair'])} (swaps "
         f"{_mean_spread(control['top_pair_swaps'], 1)})",
         _seed_count(ours), compare_verdict(ours, control["top_pair"]),
         FIDELITY_LINK)]


def _three_regime_evidence(record, records):
    experiment = _diagnostic_experiment(record, "three_regime_pruning")
    if not experiment:
        return []
    settings = experiment["settings"]
    low, high = settings["pruning_temperatures"]
    densities = ", ".join(f"{density:.0%}"
                          for density in settings["pruning_densities"])
    regimes = {}
    for cells in experiment["cells"]:
        for cell in cells:
            regimes[cell["regime"]] = regimes.get(cell["regime"], 0) + 1
    found = ", ".join(f"{regime} {count}"
                      for regime, count in sorted(regimes.items()))
    ours = experiment["advised_accuracy"]

    def gain(density):
        per_seed = []
        for cells in experiment["cells"]:
            accuracy = {cell["temperature"]: cell["test_accuracy"]
                        for cell in cells if cell["density"] == density}
            per_seed.append(accuracy[high] - accuracy[low])
        return f"{density:.0%} {_mean_spread(per_seed)}"

    # Per seed: the better temperature when one is used at every density.
    fixed = [max(statistics.fmean(cell["test_accuracy"] for cell in cells
                                  if cell["temperature"] == temperature)
                 for temperature in (low, high))
             for cells in experiment["cells"]]
    gains = ", ".join(gain(density)
                      for density in settings["pruning_densities"])
    return [(f"MLP on digits, SGD rates {_number(low)} and {_number(high)} "
             f"(temperature), densities {densities} (load), thresholds "
             f"barrier {_number(settings['barrier_threshold'])}, CKA "
             f"{_number(settings['similarity_threshold'])}: regimes of the "
             f"cells {found}; pruned test acc at the temperature the "
             f"low-temperature regime advises {_mean_spread(ours)} (gain "
             f"from the higher rate at density {gains})",
             f"at the other temperature: "
             f"{_mean_spread(experiment['other_accuracy'])}",
             _seed_count(ours),
             compare_verdict(ours, experiment["other_accuracy"]),
             FIDELITY_LINK),
            (f"the same advice per density: {_mean_spread(ours)}",
             f"one temperature for every density, the better of the two "
             f"in hindsight (the load does not matter): "
             f"{_mean_spread(fixed)}", _seed_count(ours),
             compare_verdict(ours, fixed), FIDELITY_LINK)]


# -- evidence from `benchmarks.representation_claims` -------------------------

def _representation_experiment(record, name):
    """One experiment's results in the `representation_claims` record, or
    None when that experiment has not run."""
    return record["results"].get(name)


def _abet_evidence(record, records):
    experiment = _representation_experiment(record, "abet")
    if not experiment:
        return []
    fpr = experiment["fpr_at_95_tpr"]
    accuracy = experiment["in_distribution_accuracy"]
    epochs = experiment["settings"]["abet_epochs"]
    ours = fpr["AbeT"]
    measured = (
        f"digits 0-4 in distribution, 5-9 out, MLP {epochs} epochs: FPR@95 "
        f"of the AbeT score {_mean_spread(ours)} (ID test acc "
        f"{_mean_spread(accuracy['learned temperature head'])})",
        "AbeT: same runs")
    baselines = ("energy (plain head)", "max softmax (plain head)")
    return [(text, f"{baseline}: {_mean_spread(fpr[baseline])}"
             + (f" (ID test acc {_mean_spread(accuracy['plain head'])})"
                if index == 0 else ""), _seed_count(ours),
             compare_verdict(ours, fpr[baseline], higher_is_better=False),
             FIDELITY_LINK)
            for index, (text, baseline) in enumerate(zip(measured,
                                                         baselines))]


def _flora_evidence(record, records):
    experiment = _representation_experiment(record, "flora")
    if not experiment:
        return []
    accuracy = experiment["test_accuracy"]
    counts = experiment["trained_weights"]
    settings = experiment["settings"]
    ours = accuracy["FLoRA"]
    lora = "LoRA (Keras enable_lora)"
    return [(f"small CNN pretrained on digits 0-4, fine-tuned on "
             f"{settings['transfer_train']} labelled digits 5-9 for "
             f"{settings['transfer_epochs']} epochs, FLoRA on its convs and "
             f"hidden Dense ({counts['FLoRA']:,} trained weights with the "
             f"new head): test acc {_mean_spread(ours)}",
             f"Keras LoRA on the same layers ({counts[lora]:,}): "
             f"{_mean_spread(accuracy[lora])}; new head only "
             f"({counts['head only']:,}): "
             f"{_mean_spread(accuracy['head only'])}", _seed_count(ours),
             compare_verdict(ours, accuracy[lora]), FIDELITY_LINK)]


def _moment_probing_evidence(record, records):
    experiment = _representation_experiment(record, "moment_probing_head")
    if not experiment:
        return []
    accuracy = experiment["test_accuracy"]
    counts = experiment["trained_weights"]
    epochs = experiment["settings"]["probe_epochs"]
    ours = accuracy["Moment Probing"]
    linear = "linear probe (mean token)"
    return [(f"frozen CNN pretrained on digits 0-4, its 8x8 feature map "
             f"probed on digits 5-9, {epochs} epochs: test acc "
             f"{_mean_spread(ours)} ({counts['Moment Probing']:,} trained "
             f"weights)", f"linear probe on the mean token "
             f"({counts[linear]:,}): {_mean_spread(accuracy[linear])}",
             _seed_count(ours), compare_verdict(ours, accuracy[linear]),
             FIDELITY_LINK)]


def _multi_layer_pooling_evidence(record, records):
    experiment = _representation_experiment(
        record, "multi_layer_trainable_pooling")
    if not experiment:
        return []
    recall = experiment["recall_at_1"]
    settings = experiment["settings"]
    ours, last = recall["all layers"], recall["last layer only"]
    return [(f"frozen {settings['lm_blocks']}-block causal LM, retrieval of "
             f"noisy views among {experiment['test_sequences']} test "
             f"sequences, pooling over all layers' end-token states: "
             f"recall@1 {_mean_spread(ours)}",
             f"the same head over the last layer only: "
             f"{_mean_spread(last)} (untrained last-layer state: "
             f"{_mean_spread(recall['last token, last layer, untrained'])})",
             _seed_count(ours), compare_verdict(ours, last), FIDELITY_LINK)]


# -- evidence from `benchmarks.architecture_claims` ---------------------------

def _architecture_experiment(record, name):
    """One experiment's results in the `architecture_claims` record, or
    None when that experiment has not run."""
    return record["results"].get(name)


def _parallel_shallow_evidence(record, records):
    experiment = _architecture_experiment(record, "parallel_shallow_block")
    if not experiment:
        return []
    epochs = experiment["settings"]["epochs"]
    shallow, deep = "parallel (shallow)", "residual stack (deep)"
    evidence = []
    for head in experiment["heads"]:
        for depth in map(str, experiment["depths"]):
            accuracy = experiment["test_accuracy"][head][depth]
            loss = experiment["train_loss"][head][depth]
            parameters = experiment["parameters"][head][depth]
            evidence.append((
                f"ParallelShallowBlock of {depth} branches in a small CNN "
                f"on textured shapes, {head} head "
                f"({parameters[shallow]:,} parameters), {epochs} epochs: "
                f"test acc {_mean_spread(accuracy[shallow])} (train loss "
                f"{_mean_spread(loss[shallow])})",
                f"{depth} residual conv layers ({parameters[deep]:,} "
                f"parameters): {_mean_spread(accuracy[deep])} (train loss "
                f"{_mean_spread(loss[deep])})",
                _seed_count(accuracy[shallow]),
                _match_verdict(accuracy[shallow], accuracy[deep]),
                FIDELITY_LINK))
    return evidence


def _ponet_evidence(record, records):
    experiment = _architecture_experiment(record, "ponet_token_mixer")
    if not experiment:
        return []
    settings = experiment["settings"]
    accuracy = experiment["test_accuracy"]
    ours, attention = accuracy["PoNet"], accuracy["self-attention"]
    evidence = [(
        f"PoNet block, is token 1 more frequent than token 2 among "
        f"{settings['sequence_length']} tokens, {settings['sequence_epochs']}"
        f" epochs: test acc {_mean_spread(ours)} (chance "
        f"{experiment['chance']:.2f})",
        f"self-attention block of the same width: "
        f"{_mean_spread(attention)}", _seed_count(ours),
        compare_verdict(ours, attention), FIDELITY_LINK)]
    for key, length in (("seconds_per_step", settings["sequence_length"]),
                        ("long_seconds_per_step", settings["timing_length"])):
        seconds = experiment[key]
        ratios = [ponet / other for ponet, other in
                  zip(seconds["PoNet"], seconds["self-attention"])]
        evidence.append((
            f"PoNet: {1000 * _mean(seconds['PoNet']):.0f} ms per training "
            f"step at {length:,} tokens (CPU; time ratio to attention "
            f"{_mean_spread(ratios, 2)})",
            f"self-attention: {1000 * _mean(seconds['self-attention']):.0f}"
            f" ms", _seed_count(ratios),
            compare_verdict(seconds["PoNet"], seconds["self-attention"],
                            higher_is_better=False), FIDELITY_LINK))
    return evidence


def _scale_long_evidence(record, records):
    experiment = _architecture_experiment(record, "scale_long")
    if not experiment:
        return []
    settings = experiment["settings"]
    plain, scaled = "plain UNet", "ScaleLong (CS)"
    unet = (f"{len(settings['diffusion_filters'])}-level UNet, additive "
            f"skips, denoising {settings['diffusion_image_size']}px "
            f"textured shapes")
    evidence = []
    for rate in experiment["learning_rates"]:
        run = experiment["runs"][str(rate)]
        finals = {name: [curve[-1] for curve in run["held_out_loss"][name]]
                  for name in (plain, scaled)}
        speedup, oscillation = run["speedup"], run["oscillation"]
        evidence += [
            (f"CS (kappa {_number(settings['kappa'])}), {unet}, Adam "
             f"{_lr_label(rate)}: held-out loss after "
             f"{settings['diffusion_steps']} steps "
             f"{_mean_spread(finals[scaled], 4)}",
             f"plain UNet: {_mean_spread(finals[plain], 4)}",
             _seed_count(finals[scaled]),
             compare_verdict(finals[scaled], finals[plain],
                             higher_is_better=False), FIDELITY_LINK),
            (f"CS, Adam {_lr_label(rate)}: speed-up to the worse final "
             f"held-out loss (plain UNet's steps / CS's steps) "
             f"{_mean_spread(speedup, 2)}",
             "plain UNet: 1 (by definition)", _seed_count(speedup),
             compare_verdict(speedup, [1.0] * len(speedup)), FIDELITY_LINK),
            (f"CS, Adam {_lr_label(rate)}: oscillation of the held-out "
             f"loss (summed rises of its log over "
             f"{len(run['evaluation_steps'])} evaluations) "
             f"{_mean_spread(oscillation[scaled])}",
             f"plain UNet: {_mean_spread(oscillation[plain])}",
             _seed_count(oscillation[scaled]),
             compare_verdict(oscillation[scaled], oscillation[plain],
                             higher_is_better=False), FIDELITY_LINK)]
    return evidence


def _soft_equivariance_evidence(record, records):
    experiment = _architecture_experiment(record, "soft_equivariance")
    if not experiment:
        return []
    settings = experiment["settings"]
    errors = experiment["relative_test_mse"]
    ours = errors["SoftEquivariance (flips, rotations)"]
    measured = (
        f"SoftEquivariance MLP (flips and rotations, weight "
        f"{_number(settings['symmetry_weight'])} each), 8x8 regression "
        f"exactly flip- and approximately rotation-invariant, "
        f"{settings['symmetry_train']:,} examples: test MSE / variance "
        f"{_mean_spread(ours)}", "SoftEquivariance: same runs")
    return [(text, f"{baseline}: {_mean_spread(errors[baseline])}",
             _seed_count(ours),
             compare_verdict(ours, errors[baseline], higher_is_better=False),
             FIDELITY_LINK)
            for text, baseline in zip(measured, (
                "plain MLP", "dihedral-averaged MLP (exactly invariant)"))]


FIDELITY_EVIDENCE = {
    "orthograd": (("fidelity", _orthograd_evidence),),
    "stablemax": (("grokking_long", _stablemax_long_evidence),
                  ("grokking_sgd_float64", _stablemax_float64_evidence)),
    "adamp": (("fidelity", _adamp_evidence),),
    "any_loss": (("fidelity", _any_loss_evidence),
                 ("regimes", _any_loss_imbalance_evidence)),
    "contrastive_losses": (("fidelity", _supcon_evidence),),
    "tract": (("tract_convergence", _tract_convergence_evidence),
              ("regimes", _tract_shifted_evidence)),
    "sam": (("sharpness", _flatness_evidence("SAM")),
            ("regimes", _label_noise_evidence("SAM"))),
    "saf": (("sharpness", _flatness_evidence("SAF")),
            ("training_step", _step_cost_evidence("SAF")),
            ("regimes", _label_noise_evidence("SAF"))),
    "mesa": (("sharpness", _flatness_evidence("MESA")),
             ("training_step", _step_cost_evidence("MESA")),
             ("regimes", _label_noise_evidence("MESA"))),
    "qk_norm_multi_head_attention": (
        ("lr_sensitivity", _lr_sensitivity_evidence),),
    "logit_z_loss": (("lr_sensitivity", _lr_sensitivity_evidence),),
    "fisher_merge": (("fisher_merge", _fisher_evidence),),
    "data_pruning": (("regimes", _data_pruning_evidence),),
    "gated_linear_recurrence": (("state_tracking", _state_tracking_evidence),),
    "adversarial_training": (("robustness", _robustness_evidence),),
    "sparse_moe": (("moe", _moe_evidence),),
    "poolformer": (("backbones", _backbone_evidence("poolformer_s12")),),
    "wavemix": (("backbones", _backbone_evidence("wavemix")),
                ("haar_dwt", _haar_dwt_evidence)),
    "contrastive_margin_loss": ((None, METRIC_LOSSES_PARITY),),
    "npairs_loss": ((None, METRIC_LOSSES_PARITY),),
    "triplet_losses": ((None, METRIC_LOSSES_PARITY),),
    "pinball_loss": ((None, _parity_evidence(
        "tests/losses/pinball_loss_test.py",
        "tests/references/tfa_losses.py")),),
    "sparse_categorical_focal_loss": ((None, _parity_evidence(
        "tests/losses/sparse_categorical_focal_loss_test.py",
        "tests/references/tfa_losses.py")),),
    "cyclical_learning_rate": ((None, _parity_evidence(
        "tests/schedules/learning_rate_schedules_test.py",
        "tests/references/schedules.py")),),
    "gsam": (("sam_variants", _sam_variant_evidence("GSAM")),),
    "look_sam": (("sam_variants",
                  _sam_variant_evidence("LookSAM", matches_sam=True)),),
    "friendly_sam": (("sam_variants", _sam_variant_evidence("F-SAM")),),
    "frame_averaging": (("invariance", _invariance_evidence(
        "frame_averaging", "FrameAveraging")),),
    "rotation_view_pooling": (("invariance", _invariance_evidence(
        "rotation_view_pooling", "RotationViewPooling")),),
    "radam": (("optimizer_claims", _lr_robustness_evidence("RAdam")),),
    "lookahead": (("optimizer_claims",
                   _lr_robustness_evidence("Lookahead(Adam)")),),
    "adabelief": (("optimizer_claims",
                   _best_accuracy_evidence("AdaBelief")),),
    "adan": (("optimizer_claims", _epochs_to_adam_evidence("Adan")),),
    "sgdp": (("optimizer_claims", _projection_evidence),),
    "warmup_stable_decay": (("training_claims", _training_claim_evidence(
        "WSD", "cosine", matches=True)),),
    "one_cycle_learning_rate": (("training_claims", _training_claim_evidence(
        "one-cycle", "constant", baseline_label="constant rate")),),
    "swa": (("training_claims", _training_claim_evidence(
        "SWA", "constant", baseline_label="last iterate, constant rate")),),
    "weight_normalization": (("training_claims", _training_claim_evidence(
        "WeightNormalization", "constant", key="train_loss",
        baseline_label="plain Dense layers")),),
    "binary_layers": (("binary_estimators", _binary_estimator_evidence(
        (("binary_net_reste", "binary_net_ste"),
         ("binary_net_biper", "binary_net_ste")))),),
    "reste_schedule": (("binary_estimators", _binary_estimator_evidence(
        (("binary_net_reste", "reste_fixed_o3"),))),),
    "lr_sensitivity": (("lr_sensitivity", _lr_sensitivity_evidence),),
    "thresholdout": (("thresholdout", _thresholdout_evidence),),
    "class_dependent_pruning": (("class_aware_pruning",
                                 _class_aware_pruning_evidence),),
    "mup": (("mu_transfer", _mu_transfer_evidence),),
    "intrinsic_dimension": (("intrinsic_dimension",
                             _intrinsic_dimension_evidence),),
    "noise_adaptive_layerwise_lr": (("noise_adaptive_lr",
                                     _noise_adaptive_evidence),),
    "z_loss": (("loss_claims", _z_loss_evidence),),
    "cross_entropy_dice_loss": (("loss_claims",
                                 _cross_entropy_dice_evidence),),
    "scale_shift_invariant_loss": (("loss_claims",
                                    _scale_shift_invariant_evidence),),
    "sinkhorn_divergence": (("loss_claims", _sinkhorn_evidence),),
    "monge_gap": (("loss_claims", _monge_gap_evidence),),
    "interval_bound_propagation": (("loss_claims",
                                    _interval_bound_evidence),),
    "softmax_collapse_monitor": (("component_claims",
                                  _softmax_collapse_evidence),),
    "group_generalized_mean_pooling": (("component_claims",
                                        _pooling_head_evidence),),
    "spatial_pyramid_pooling2d": (("component_claims",
                                   _pyramid_pooling_evidence),),
    "train_only_batchnorm": (("component_claims",
                              _batchnorm_only_evidence),),
    "scale_learning_rate": (("component_claims", _batch_scaling_evidence),),
    "s4d": (("component_claims", _long_range_evidence),),
    "attentional_set_pooling": (("component_claims",
                                 _set_pooling_evidence),),
    "independent_weight_decay": (("component_claims",
                                  _decay_sensitivity_evidence),),
    "linear_mode_connectivity": (("component_claims",
                                  _mode_connectivity_evidence),),
    "saliency": (("diagnostic_claims", _saliency_evidence),),
    "nero_evaluation": (("diagnostic_claims", _nero_evidence),),
    "instability_monitors": (("diagnostic_claims",
                              _instability_evidence),),
    "opposing_signals_monitor": (("diagnostic_claims",
                                  _opposing_signals_evidence),),
    "three_regime_pruning": (("diagnostic_claims",
                              _three_regime_evidence),),
    "abet": (("representation_claims", _abet_evidence),),
    "flora": (("representation_claims", _flora_evidence),),
    "moment_probing_head": (("representation_claims",
                             _moment_probing_evidence),),
    "multi_layer_trainable_pooling": (("representation_claims",
                                       _multi_layer_pooling_evidence),),
    "parallel_shallow_block": (("architecture_claims",
                                _parallel_shallow_evidence),),
    "ponet_token_mixer": (("architecture_claims", _ponet_evidence),),
    "scale_long": (("architecture_claims", _scale_long_evidence),),
    "soft_equivariance": (("architecture_claims",
                           _soft_equivariance_evidence),),
}

# What would check the claims of the cards with no evidence yet.
FIDELITY_PENDING = {}


def method_cards():
    """The method cards, `[(stem, front matter)]`, sorted by kind and
    name."""
    cards = []
    for card in sorted((ROOT / "docs" / "techniques").glob("*.md")):
        if card.name.startswith("_"):
            continue
        fields = card_front_matter(card)
        kinds = [kind.strip() for kind in fields["kind"].split(",")]
        order = min(KIND_ORDER.index(kind) if kind in KIND_ORDER
                    else len(KIND_ORDER) for kind in kinds)
        cards.append((order, fields["name"].lower(), card.stem, fields))
    return [(stem, fields) for *_, stem, fields in sorted(cards)]


def card_evidence(stem, records):
    """The evidence tuples of one card (see `FIDELITY_EVIDENCE`)."""
    evidence = []
    for benchmark, extract in FIDELITY_EVIDENCE.get(stem, ()):
        record = records.get(benchmark) if benchmark else None
        found = extract(record, records) if record or not benchmark else []
        evidence += found or [(
            "not measured yet", "", "",
            f"not measured yet: run `KERAS_BACKEND=jax python -m "
            f"benchmarks.{benchmark}`", "")]
    if not evidence:
        pending = FIDELITY_PENDING.get(
            stem, "no benchmark checks this claim yet")
        evidence.append(("not measured yet", "", "",
                         f"not measured yet: {pending}", ""))
    return evidence


def _cell(text):
    return text.replace("|", "\\|")


def _paper_cell(paper):
    arxiv = ARXIV.findall(paper)
    if arxiv:
        return ", ".join(f"[arXiv {number}](https://arxiv.org/abs/{number})"
                         for number in arxiv)
    title = re.match(r'"([^"]+)"', paper)
    return title.group(1) if title else paper


def _verdict_kind(verdict):
    for kind in (*VERDICTS, "parity", "not decided", "not measured yet"):
        if verdict.startswith(kind):
            return kind
    return "other"


def fidelity_rows(records):
    """One row per method card: `[technique, paper, claim, measured,
    baseline, seeds, verdict, details]`."""
    rows = []
    for stem, fields in method_cards():
        evidence = card_evidence(stem, records)
        columns = list(zip(*evidence))
        rows.append([
            f"[{fields['name']}](techniques/{stem}.md)",
            _paper_cell(fields["paper"]),
            fields.get("claim", "the card states no claim yet"),
            *("<br>".join(cell for cell in column if cell) or "—"
              for column in columns)])
    return [[_cell(cell) for cell in row] for row in rows]


def fidelity_block(records):
    rows = fidelity_rows(records)
    counts = {}
    for row in rows:
        for verdict in row[6].split("<br>"):
            kind = _verdict_kind(verdict)
            counts[kind] = counts.get(kind, 0) + 1
    summary = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    table = _table(["technique", "paper", "claim (from the card)",
                    "kerastricks (measured)", "baseline, same run", "seeds",
                    "verdict (computed)", "details"], rows)
    measured = sorted({benchmark for entries in FIDELITY_EVIDENCE.values()
                       for benchmark, _ in entries
                       if benchmark and records.get(benchmark)})
    lines = [f"{len(rows)} method cards; verdicts per piece of evidence: "
             f"{summary}.", "", table, "",
             "Records behind this table: " + ", ".join(
                 f"`{name}`" for name in measured) + " (JAX; the provenance of "
             + ", ".join(f"`{name}`" for name in FIDELITY_BENCHMARKS)
             + " is below, that of the others in their sections)."]
    fidelity = records.get("fidelity")
    if fidelity:
        lines += ["", "Fidelity runs: " + _settings(fidelity, [
            "seeds", "any_loss_seeds", "grokking_steps", "image_epochs",
            "contrastive_epochs"]) + "."]
    own = [records.get(name) for name in FIDELITY_BENCHMARKS
           if records.get(name)]
    if own:
        lines += ["", _provenance_block(own)]
    return "\n".join(lines)


# -- recipe pages ------------------------------------------------------------

def _recipe_class(name):
    from kerastricks import recipes

    return recipes.get_recipe(name)


def _constructor_default(recipe_name, argument):
    signature = inspect.signature(_recipe_class(recipe_name).__init__)
    return signature.parameters[argument].default


def _number(value):
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    return repr(value) if 1e-4 <= abs(value) < 1e5 or value == 0 \
        else f"{value:g}"


def _kind(config, class_name):
    if class_name == "Boolean":
        return "Boolean"
    if class_name == "Choice":
        return "Choice " + ", ".join(map(_number, config["values"]))
    if class_name == "Fixed":
        return "Fixed"
    sampling = {"linear": "", "log": " log", "reverse_log": " reverse log"}
    return (f"{class_name} [{_number(config['min_value'])}, "
            f"{_number(config['max_value'])}]"
            f"{sampling.get(config.get('sampling') or 'linear', '')}")


def _condition(config):
    parts = []
    for condition in config.get("conditions", []):
        parent = condition["config"]
        values = ", ".join(map(_number, parent["values"]))
        parts.append(f"`{parent['name']}` in {values}")
    return " and ".join(parts) or "always"


def knobs_block(recipe_name):
    recipe = _recipe_class(recipe_name)()
    rows = []
    for hp in recipe.hyperparameter_space().space:
        config = hp.get_config()
        rows.append([f"`{config['name']}`", _kind(config, type(hp).__name__),
                     f"`{_number(config['default'])}`", _condition(config)])
    return _table(["name", "kind", "default", "used when"], rows)


def presets_block(recipe_name):
    from kerastricks.recipes import presets as preset_utils

    recipe_cls = _recipe_class(recipe_name)
    rows = []
    for preset, spec in recipe_cls.presets.items():
        values = ", ".join(f"`{key}={_number(value)}`"
                           for key, value in spec["hyperparameters"].items())
        weights = ("yes" if preset_utils.has_weights(recipe_name, preset)
                   else "no")
        rows.append([f"`{preset}`", spec["description"], values, weights])
    return _table(["preset", "what it is", "hyperparameters (the rest: "
                   "knob defaults)", "pretrained weights"], rows)


def constructor_block(recipe_name):
    recipe_cls = _recipe_class(recipe_name)
    signature = inspect.signature(recipe_cls.__init__)
    arguments = ", ".join(
        f"{p.name}={_number(p.default)}" for p in signature.parameters.values()
        if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD)
    return f"Constructor: `{recipe_cls.__name__}({arguments})`."


def grokking_measured_block(records):
    fidelity = records.get("fidelity")
    grokking = fidelity and fidelity["results"].get("grokking")
    if not grokking:
        return _not_measured("fidelity --only grokking")
    budget = fidelity["settings"]["grokking_steps"]
    paper = {"orthograd": "116", "softmax_ce_adamw": "381",
             "stablemax_no_wd": "about 70,000 to 98.4%"}
    rows = [[f"`{preset}`", _steps_list(
        grokking[preset]["steps_to_99_val_accuracy"], budget),
        f"{_mean(grokking[preset]['final_val_accuracy']):.3f}", paper[preset]]
        for preset in ("orthograd", "softmax_ce_adamw", "stablemax_no_wd")]
    seeds = len(grokking["orthograd"]["steps_to_99_val_accuracy"])
    long_run = records.get("grokking_long")
    long_lines = []
    if long_run:
        long_lines = [
            f"`stablemax_no_wd` at the paper's scale "
            f"(`benchmarks/grokking_long.py`, seed "
            f"{long_run['settings']['seed']}, evaluation every "
            f"{long_run['settings']['steps_per_epoch']} steps): "
            f"{_long_run_summary(long_run)}.", ""]
    return "\n".join([
        _table(["preset", f"steps to 99% val acc (seeds 0-{seeds - 1}, "
                f"budget {budget})", "final val acc (mean)",
                "authors' code (seed 42)"], rows), "", *long_lines,
        _provenance_block([fidelity] + ([long_run] if long_run else []))])


def imbalanced_measured_block(records):
    fidelity = records.get("fidelity")
    any_loss = fidelity and fidelity["results"].get("any_loss")
    if not any_loss:
        return _not_measured("fidelity --only any_loss")
    rows = [[f"`{preset}`", f"{_mean(v['final_val_f1']):.3f}",
             f"{_mean(v['final_val_balanced_accuracy']):.3f}"]
            for preset, v in any_loss.items()]
    positives = _constructor_default("imbalanced_binary", "positive_fraction")
    return "\n".join([
        f"Positives: {positives:.0%} (the default); "
        f"{fidelity_benchmark.ANY_LOSS_EPOCHS} full-batch epochs; "
        f"mean over seeds 0-{fidelity['settings']['any_loss_seeds'] - 1}.",
        "", _table(["preset", "val F1", "val balanced accuracy"], rows), "",
        _provenance_block([fidelity])])


def mesa_momentum_block():
    """The MESA EMA horizon of the library default and of the recipe."""
    from kerastricks.models import MESA

    library = inspect.signature(MESA.__init__).parameters[
        "ema_momentum"].default
    recipe = next(hp.get_config()["default"] for hp in _recipe_class(
        "image_classifier")().hyperparameter_space().space
        if hp.name == "mesa_ema_momentum")
    return (f"`MESA`'s own default `ema_momentum={library}` averages over "
            f"about 1 / (1 - {library}) = {1 / (1 - library):,.0f} steps "
            f"(one ImageNet epoch at batch 256 in the paper's setting); the "
            f"recipe's default {recipe} averages over about "
            f"{1 / (1 - recipe):,.0f} steps, for the short runs on small "
            f"data the recipe targets.")

KIND_ORDER = ("optimizer", "schedule", "model", "layer", "activation",
              "loss", "callback", "utility")
ARXIV = re.compile(r"arXiv (\d{4}\.\d{4,5})")


def card_front_matter(card):
    """The `key: value` fields between a method card's `---` lines."""
    match = re.match(r"---\n(.*?)\n---\n", card.read_text(), re.S)
    if not match:
        raise ValueError(f"{card} has no front matter")
    fields = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def techniques_block():
    """The README's technique table: one row per method card."""
    rows = []
    for card in sorted((ROOT / "docs" / "techniques").glob("*.md")):
        if card.name.startswith("_"):
            continue
        fields = card_front_matter(card)
        kinds = [kind.strip() for kind in fields["kind"].split(",")]
        symbols = ", ".join(f"`{symbol.strip()}`"
                            for symbol in fields["symbol"].split(","))
        paper = ARXIV.sub(r"[arXiv \1](https://arxiv.org/abs/\1)",
                          fields["paper"])
        order = min(KIND_ORDER.index(kind) if kind in KIND_ORDER
                    else len(KIND_ORDER) for kind in kinds)
        rows.append((order, fields["name"].lower(), [
            f"[{fields['name']}](docs/techniques/{card.name})", symbols,
            ", ".join(kinds), paper]))
    return _table(["technique", "import", "kind", "paper"],
                  [cells for *_, cells in sorted(rows)])


def pretrained_block():
    from kerastricks import recipes
    from kerastricks.recipes import presets as preset_utils

    rows = []
    for name in recipes.list_recipes():
        for preset in sorted(recipes.get_recipe(name).presets):
            if preset_utils.has_weights(name, preset):
                path = pathlib.Path(preset_utils.weights_path(name, preset))
                rows.append([name, f"`{preset}`",
                             f"{path.stat().st_size / 1024:.0f} KiB"])
    return _table(["recipe", "preset", "size"], rows)


# -- README --------------------------------------------------------------------

def readme_numbers_block(records):
    lines = []
    fidelity = records.get("fidelity")
    grokking = fidelity and fidelity["results"].get("grokking")
    if grokking:
        budget = fidelity["settings"]["grokking_steps"]
        steps = {preset: _steps_list(
            grokking[preset]["steps_to_99_val_accuracy"], budget)
            for preset in ("orthograd", "softmax_ce_adamw")}
        lines.append(
            f"- ⊥AdamW groks (a + b) mod 113 in {steps['orthograd']} steps,"
            f" AdamW with weight decay in {steps['softmax_ce_adamw']} "
            f"(JAX, CPU, one number per seed).")
    step = records.get("training_step")
    if step:
        variants = step["results"]["variants"]
        lines.append(
            "- Training step of a ResNet-20 against plain training (JAX, "
            "CPU): " + ", ".join(
                f"{name} {_ratio(variants[name]['median_ratio_to_base'])}"
                for name in ("SAM", "SAF", "MESA", "TrAct")
                if name in variants) + ".")
    throughput = records.get("recipe_throughput")
    if throughput:
        rates = throughput["results"]["images_per_second"]
        ratios = ", ".join(_ratio(keras / plain) for plain, keras in zip(
            rates["plain_jax"], rates["keras"]))
        lines.append(
            "- The `image_classifier` recipe's throughput over the same "
            f"network hand-written in JAX (CPU, one ratio per run): {ratios}.")
    if not lines:
        return "Not measured yet: see docs/benchmarks.md."
    return "\n".join(lines + ["", GPU_MISSING])


# -- docs/benchmarks.md: mixture of experts ---------------------------------

MOE_ORDER = ("sparse", "dense_active", "dense_all")


def moe_block(records):
    measured = records.all_backends("moe")
    if not measured:
        return _not_measured("moe", BACKENDS)
    header = ["variant", "expert parameters"] + [
        f"{BACKEND_NAMES[r['backend']]} (jit_compile="
        f"{r['settings']['jit_compile']})" for r in measured]
    first = measured[0]["results"]["variants"]
    rows = []
    for name in _ordered(first, MOE_ORDER):
        row = [name, f"{first[name]['expert_parameters']:,}"]
        for record in measured:
            variant = record["results"]["variants"].get(name)
            if variant is None:
                row.append("not run")
            else:
                row.append(
                    f"{variant['median_ms_per_step']:.1f} ms, **"
                    f"{_ratio(variant['median_ratio_to_dense_active'])}**")
        rows.append(row)
    settings = "; ".join(
        f"{BACKEND_NAMES[r['backend']]}: "
        + _settings(r, ["batch_size", "tokens", "dim", "experts",
                        "expert_units", "top_k", "capacity_factor",
                        "rounds", "steps", "warmup"])
        + f" (capacity {r['results']['capacity']} slots per expert)"
        for r in measured)
    return "\n".join([
        f"Settings: {settings}. Active expert parameters per token: "
        f"{measured[0]['results']['active_expert_parameters_per_token']:,} "
        "in `sparse` and `dense_active`.", "",
        _table(header, rows), "", _provenance_block(measured)])
# -- sequence layers: state tracking and the parallel scan ------------------

def _state_tracking_verdict(means, train_length):
    """The longest test length the [-1, 1] model solves (mean last-position
    accuracy >= 0.99) against the [0, 1] model's best accuracy."""
    solved = [int(length) for length, accuracy in means["[-1, 1]"].items()
              if accuracy >= 0.99]
    longest = max(solved) if solved else None
    baseline_best = max(means["[0, 1]"].values())
    if longest and longest > train_length and baseline_best < 0.75:
        verdict = "reproduced"
    elif longest:
        verdict = "direction holds"
    else:
        verdict = "not reproduced"
    return (f"{verdict}: [-1, 1] solves parity (mean accuracy >= 0.99) up "
            f"to {longest or 'no tested length'} bits after training on "
            f"{train_length}; the best mean accuracy of [0, 1] at any "
            f"length is {baseline_best:.3f} (chance: 0.5)")


def state_tracking_block(records):
    record = records.get("state_tracking")
    if not record:
        return _not_measured("state_tracking")
    runs = record["results"]["runs"]
    lengths = sorted(runs["[-1, 1]"][0]["last_position_accuracy"], key=int)
    means, rows = {}, []
    for label in ("[-1, 1]", "[0, 1]"):
        per_length = {length: [run["last_position_accuracy"][length]
                               for run in runs[label]]
                      for length in lengths}
        means[label] = {length: _mean(values)
                        for length, values in per_length.items()}
        rows.append([f"`{label}`"] + [
            f"{_mean(values):.3f} ({', '.join(f'{v:.2f}' for v in values)})"
            for values in per_length.values()])
    train_length = record["settings"]["train_length"]
    table = _table(["transitions"] + [
        f"{length} bits" + (" (trained)" if int(length) == train_length
                            else "") for length in lengths], rows)
    return "\n".join([
        table, "",
        "Accuracy of the parity of the whole string (last position), mean "
        "over seeds (each seed in brackets). Verdict (computed): "
        + _state_tracking_verdict(means, train_length) + ".", "",
        _provenance_block([record])])


def parallel_scan_block(records):
    measured = records.all_backends("parallel_scan")
    if not measured:
        return _not_measured("parallel_scan", ("jax", "tensorflow"))
    rows, failures = [], []
    for record in measured:
        backend = BACKEND_NAMES[record["backend"]]
        for length, result in sorted(record["results"]["by_length"].items(),
                                     key=lambda item: int(item[0])):
            times = result["ms_per_step"]

            def cell(method):
                if method in result["failed"]:
                    return "failed"
                value = times.get(method)
                return "not run" if value is None else f"{value:.2f}"
            ratio = result.get("median_sequential_over_parallel")
            rows.append([backend, length, cell("parallel"),
                         cell("sequential"), cell("associative_scan"),
                         _ratio(ratio) if ratio else "n/a"])
            for method, reason in result["failed"].items():
                failures.append(f"{backend}, {length} steps, `{method}`: "
                                f"{reason}")
    table = _table(["backend", "sequence length", "parallel scan (ms)",
                    "keras.ops.scan loop (ms)",
                    "keras.ops.associative_scan (ms)",
                    "loop / parallel (median over rounds)"], rows)
    lines = [table, ""]
    if failures:
        lines += ["Failed to compile:"] + [f"- {f}" for f in failures] + [""]
    lines.append(_provenance_block(measured))
    return "\n".join(lines)


# -- weight pruning ----------------------------------------------------------

def class_aware_pruning_block(records):
    record = records.get("class_aware_pruning")
    if record is None:
        return _not_measured("class_aware_pruning")
    labels = {"dense": "dense (no pruning)",
              "plain": "plain lottery-ticket pruning",
              "class-aware": "class-aware pruning"}
    rows = []
    for key, label in labels.items():
        model = record["results"]["models"][key]
        rows.append([label, f"{model['accuracy']:.3f}",
                     f"{model['mean_recall']:.3f}",
                     f"{model['min_recall']:.3f}",
                     f"{model['minority_false_negatives']:.1f}"])
    header = ["model", "test accuracy", "mean per-class recall",
              "lowest per-class recall", "false negatives, digits 5-9"]
    return "\n".join([
        f"Settings: {_settings(record)} (means over the seeds); pruned "
        f"kernels at sparsity {record['results']['sparsity']:.4f}.", "",
        _table(header, rows), "", _provenance_block([record])])


# -- assembling the documents ------------------------------------------------

def blocks(records):
    """Every generated block by name: `{name: text}`."""
    generated = {
        "benchmarks-fidelity": lambda: fidelity_block(records),
        "benchmarks-lr-sensitivity": lambda: lr_sensitivity_block(records),
        "benchmarks-optimizer-step": lambda: optimizer_step_block(records),
        "benchmarks-fisher-merge": lambda: fisher_merge_block(records),
        "benchmarks-tract-convergence":
            lambda: tract_convergence_block(records),
        "benchmarks-training-step": lambda: training_step_block(records),
        "benchmarks-recipe-throughput":
            lambda: recipe_throughput_block(records),
        "benchmarks-sharpness": lambda: sharpness_block(records),
        "benchmarks-regimes": lambda: regimes_block(records),
        "benchmarks-grokking-long": lambda: grokking_long_block(records),
        "readme-numbers": lambda: readme_numbers_block(records),
        "grokking-measured": lambda: grokking_measured_block(records),
        "imbalanced-binary-measured":
            lambda: imbalanced_measured_block(records),
        "mesa-ema-momentum": mesa_momentum_block,
        "recipes-pretrained": pretrained_block,
        "readme-techniques": techniques_block,
        "benchmarks-robustness": lambda: robustness_block(records),
        "benchmarks-moe": lambda: moe_block(records),
        "benchmarks-haar-dwt": lambda: haar_dwt_block(records),
        "image-classifier-backbones": lambda: backbones_block(records),
        # sequence layers
        "benchmarks-state-tracking": lambda: state_tracking_block(records),
        "benchmarks-parallel-scan": lambda: parallel_scan_block(records),
        # layerwise learning rates
        "benchmarks-noise-adaptive-lr":
            lambda: noise_adaptive_lr_block(records),
        # reusable holdout
        "benchmarks-thresholdout": lambda: thresholdout_block(records),
        # intrinsic dimension
        "benchmarks-intrinsic-dimension":
            lambda: intrinsic_dimension_block(records),
        # µP
        "benchmarks-mu-transfer": lambda: mu_transfer_block(records),
        # weight pruning
        "benchmarks-class-aware-pruning":
            lambda: class_aware_pruning_block(records),
    }
    for name in ("grokking", "image_classifier", "char_transformer",
                 "imbalanced_binary", "contrastive",
                 "robust_classifier", "binary_net"):
        slug = name.replace("_", "-")
        generated[f"{slug}-knobs"] = lambda n=name: knobs_block(n)
        generated[f"{slug}-presets"] = lambda n=name: presets_block(n)
        generated[f"{slug}-constructor"] = lambda n=name: constructor_block(n)
    return generated


def documents():
    """The Markdown files that hold generated blocks."""
    return [ROOT / "README.md", ROOT / "docs" / "benchmarks.md",
            *sorted((ROOT / "docs" / "recipes").glob("*.md"))]


def render_text(text, generated, where):
    """`text` with each generated block replaced by its fresh content."""
    def replace(match):
        name = match.group("name")
        if name not in generated:
            raise KeyError(f"{where}: unknown generated block {name!r}; "
                           f"known: {sorted(generated)}")
        body = generated[name]().rstrip("\n")
        return f"{START.format(name=name)}\n{body}\n{END.format(name=name)}"
    return BLOCK.sub(replace, text)


def render_all(folder=_records.RESULTS_FOLDER):
    """`{path: (committed text, generated text)}` for every document."""
    generated = blocks(Records(folder))
    rendered = {}
    for path in documents():
        text = path.read_text()
        rendered[path] = (text, render_text(
            text, generated, path.relative_to(ROOT)))
    return rendered


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a document differs")
    args = parser.parse_args(argv)
    stale = []
    for path, (text, fresh) in render_all().items():
        if text != fresh:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.write_text(fresh)
    verb = "differ from the records" if args.check else "rewritten"
    print(f"{verb}: {', '.join(stale) or 'none'}")
    return 1 if args.check and stale else 0


ROBUSTNESS_ORDER = ("none", "distillation", "fgsm", "pgd")


def robustness_block(records):
    record = records.get("robustness")
    if not record:
        return _not_measured("robustness")
    defenses = record["results"]["defenses"]
    rows = [[f"`{name}`", f"{row['clean_accuracy']:.4f}",
             f"{row['fgsm_accuracy']:.4f}", f"{row['pgd_accuracy']:.4f}"]
            for name, row in ((name, defenses[name]) for name in
                              _ordered(defenses, ROBUSTNESS_ORDER))]
    settings = _settings(record, ["epochs", "batch_size", "learning_rate",
                                  "width", "epsilon", "pgd_steps", "seed"])
    return "\n".join([
        f"Settings: {settings}; {record['results']['test_examples']} "
        "held-out digits, attacked white box at the same epsilon.", "",
        _table(["defense", "clean accuracy", "FGSM accuracy",
                "PGD accuracy"], rows), "",
        _provenance_block([record])])

# -- docs/benchmarks.md: the Haar DWT against a strided convolution ----------

HAAR_DWT_VARIANTS = {
    "haar_dwt": "`HaarDWT2D`",
    "strided_conv": "2x2 convolution, stride 2, 4C filters",
    "scale_only": "the shared 1x1 depthwise scale alone",
}


def haar_dwt_block(records):
    measured = records.all_backends("haar_dwt")
    if not measured:
        return _not_measured("haar_dwt", BACKENDS)
    header = ["variant", "model parameters"] + [
        f"{BACKEND_NAMES[r['backend']]} (jit_compile="
        f"{r['settings']['jit_compile']})" for r in measured]
    rows = []
    for name, label in HAAR_DWT_VARIANTS.items():
        variant = measured[0]["results"]["variants"][name]
        row = [label, f"{variant['parameters']:,}"]
        for record in measured:
            timed = record["results"]["variants"][name]
            row.append(f"{timed['median_ms_per_step']:.1f} ms, **"
                       f"{_ratio(timed['median_ratio_to_strided_conv'])}**")
        rows.append(row)
    settings = "; ".join(
        f"{BACKEND_NAMES[r['backend']]}: "
        + _settings(r, ["batch_size", "size", "channels", "rounds", "steps",
                        "warmup"])
        for r in measured)
    return "\n".join([
        f"Settings: {settings}. Ratios are to the strided convolution.", "",
        _table(header, rows), "", _provenance_block(measured)])
# -- the image_classifier recipe's backbones ---------------------------------

def backbones_block(records):
    """Parameters and forward+backward step time of the backbones of
    `benchmarks/backbones.py`, as ratios to the first backbone measured."""
    measured = records.all_backends("backbones")
    if not measured:
        return _not_measured("backbones")
    rows = []
    for record in measured:
        results = record["results"]
        names = list(results["parameters"])
        first = _mean(results["step_seconds"][names[0]])
        for name in names:
            seconds = results["step_seconds"][name]
            rows.append([
                record["backend"], results["descriptions"][name],
                f"{results['parameters'][name] / 1e6:.1f}M",
                f"{1e3 * _mean(seconds):.0f} ms",
                f"**{_ratio(_mean(seconds) / first)}**"])
    settings = _settings(measured[0], ["image_size", "batch_size",
                                       "num_classes", "steps", "repeats"])
    return "\n".join([
        f"Settings: {settings}; each time is the mean over repeats of the "
        "median compiled `train_on_batch` step (SGD, softmax cross-entropy).",
        "", _table(["backend", "backbone", "parameters", "step",
                    "step / first"], rows), "",
        _provenance_block(measured)])


# -- docs/benchmarks.md: noise-adaptive layerwise learning rates vs Muon -----

NOISE_ADAPTIVE_LABELS = {
    "muon": "`keras.optimizers.Muon`",
    "noise_adaptive": "`NoiseAdaptiveLayerwiseLR(Muon)`",
}


def noise_adaptive_lr_block(records):
    record = records.get("noise_adaptive_lr")
    if not record:
        return _not_measured("noise_adaptive_lr")
    results = record["results"]
    seeds = sorted(results["runs"]["muon"], key=int)
    header = ["optimizer"] + [f"seed {s}: train / held-out" for s in seeds] + [
        "mean train", "mean held-out"]
    rows = []
    for name, label in NOISE_ADAPTIVE_LABELS.items():
        runs = results["runs"][name]
        summary = results["summary"][name]
        rows.append([label] + [
            f"{runs[s]['train_loss'][-1]:.4f} / "
            f"{runs[s]['held_out_loss']:.4f}" for s in seeds] + [
            f"{summary['mean_final_train_loss']:.4f}",
            f"**{summary['mean_held_out_loss']:.4f}**"])
    multipliers = "; ".join(
        f"seed {s}: " + ", ".join(
            f"{m:.2f}" for m in
            results["runs"]["noise_adaptive"][s]["final_multipliers"])
        for s in seeds)
    settings = _settings(record, ["epochs", "batch_size", "examples",
                                  "width", "depth", "learning_rate",
                                  "label_noise"])
    return "\n".join([
        f"Settings: {settings}. Losses are mean squared errors after the "
        "last epoch; both optimizers start from the same weights per seed. "
        f"The wrapper had the lower held-out loss on "
        f"{results['seeds_where_noise_adaptive_is_better']} of "
        f"{results['seeds']} seeds.", "",
        _table(header, rows), "",
        f"Layer multipliers at the end (hidden layers in order): "
        f"{multipliers}.", "",
        _provenance_block([record])])


# -- the reusable holdout (Thresholdout) -------------------------------------

THRESHOLDOUT_CLAIM = (
    "Dwork et al. 2015 (Science, Figure 1): at n = d = 10,000 and k = 500 "
    "the plain holdout reports more than 63% ± 0.4% accuracy on random "
    "labels; Thresholdout's reported accuracy stays near 50%")


def _accuracy_cell(runs, index):
    values = [run[index] for run in runs]
    return f"{_mean(values):.3f} ± {_spread(values):.3f}"


def thresholdout_block(records):
    """Mean (and spread over seeds) of the accuracies of
    `benchmarks/thresholdout.py`, per number of selected features."""
    record = records.get("thresholdout")
    if record is None:
        return _not_measured("thresholdout")
    results = record["results"]
    accuracy = results["accuracy"]
    rows = []
    for index, count in enumerate(results["selected_counts"]):
        rows.append([
            count,
            _accuracy_cell(accuracy["plain"]["training"], index),
            f"**{_accuracy_cell(accuracy['plain']['holdout'], index)}**",
            _accuracy_cell(accuracy["plain"]["fresh"], index),
            f"**{_accuracy_cell(accuracy['thresholdout']['holdout'], index)}"
            "**",
            _accuracy_cell(accuracy["thresholdout"]["fresh"], index)])
    settings = record["settings"]
    spent = results["budget_spent"]
    return "\n".join([
        f"Settings: n = {settings['examples']} rows per set, d = "
        f"{settings['features']} features, {settings['seeds']} seeds; "
        f"threshold {results['threshold']:.3g}, noise scale "
        f"{results['noise_scale']:.3g}, budget {results['budget']} "
        f"(spent {min(spent)} to {max(spent)}, nearly all on the "
        "correlation queries). Mean ± spread over seeds.", "",
        _table(["k", "plain: training", "plain: holdout (reported)",
                "plain: fresh", "Thresholdout: holdout (reported)",
                "Thresholdout: fresh"], rows), "",
        f"Paper: {THRESHOLDOUT_CLAIM}.", "",
        *_figure(record, "Thresholdout"),
        _provenance_block([record])])


# -- docs/benchmarks.md: the intrinsic dimension of a digits classifier -------

def intrinsic_dimension_block(records):
    record = records.get("intrinsic_dimension")
    if not record:
        return _not_measured("intrinsic_dimension")
    results = record["results"]
    d_int = results["intrinsic_dimension"]
    rows = [[f"{dimension:,}", f"{accuracy:.4f}", f"{relative:.2f}",
             "**d_int90**" if dimension == d_int else ""]
            for dimension, accuracy, relative in zip(
                results["dimensions"], results["accuracy"],
                results["relative_accuracy"])]
    rows.append([f"full ({results['num_parameters']:,})",
                 f"{results['full_accuracy']:.4f}", "1.00", ""])
    settings = _settings(record, ["projection", "width", "epochs",
                                  "batch_size", "learning_rate", "seed"])
    found = (f"d_int90 = {d_int:,}" if d_int is not None
             else "no d of the grid reaches 90%")
    return "\n".join([
        f"Settings: {settings}; {results['train_examples']} training and "
        f"{results['validation_examples']} validation digits; {found} of "
        f"D = {results['num_parameters']:,} weights "
        f"({results['num_parameters'] / d_int:.0f}x fewer)."
        if d_int is not None else
        f"Settings: {settings}; {found}.", "",
        _table(["d", "validation accuracy", "/ full model", ""], rows), "",
        _provenance_block([record])])


# -- µTransfer ---------------------------------------------------------------

def mu_transfer_block(records):
    """Final validation loss per peak learning rate at two widths, under the
    standard parametrization and µP, and whether the best rate transfers."""
    record = records.get("mu_transfer")
    if not record:
        return _not_measured("mu_transfer")
    results = record["results"]
    small, large = (str(width) for width in results["widths"])
    rows = []
    for index, rate in enumerate(results["learning_rates"]):
        row = [_lr_label(rate)]
        for parametrization in ("standard", "mup"):
            for width in (small, large):
                loss = results[parametrization]["final_loss"][width][index]
                row.append("diverged" if loss is None else f"{loss:.3f}")
        rows.append(row)
    verdicts = []
    for parametrization in ("standard", "mup"):
        summary = results[parametrization]
        best = summary["best_learning_rate"]
        verdicts.append(
            f"- `{parametrization}`: best peak LR {best[small]} at width "
            f"{small}, {best[large]} at width {large}; "
            f"{summary['grid_steps_apart']} grid step(s) apart: "
            + ("**transfers** (within one step)." if summary["transfers"]
               else "**does not transfer**."))
    header = ["peak LR"] + [f"{p} w{w}" for p in ("standard", "µP")
                            for w in (small, large)]
    settings = _settings(record, ["epochs", "max_characters",
                                  "sequence_length", "batch_size",
                                  "transformer_layers", "transformer_heads"])
    return "\n".join([
        f"Settings: {settings}; {results['steps']} steps per run; µP base "
        f"width {small}. Final validation cross-entropy (nats per byte).",
        "", _table(header, rows), "", *verdicts, "",
        _provenance_block([record])])


if __name__ == "__main__":
    sys.exit(main())
