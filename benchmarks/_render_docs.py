"""Writes the generated blocks of the docs from the benchmark records and
from the code, so that no number in the docs is typed by hand.

    python -m benchmarks._render_docs          # rewrite the docs
    python -m benchmarks._render_docs --check  # exit 1 if they differ

A generated block sits between `<!-- generated: NAME -->` and
`<!-- end generated: NAME -->`; the prose around it is hand-written and
stays. The numbers come from `benchmarks/results/*.json` (written by the
benchmarks themselves, see `benchmarks/_records.py`), the recipes' declared
hyperparameters and presets (`from kerastricks import recipes`), the
constructor defaults of the library, and `PAPER_CLAIMS` below (what each
paper reports, with its citation). Running it trains nothing.
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

# What each paper reports, quoted in the fidelity table beside our numbers.
PAPER_CLAIMS = {
    "orthograd": (
        "Prieto et al. 2025 (⊥Grad)",
        "⊥AdamW groks (a + b) mod 113 in 116 steps, AdamW with weight "
        "decay 1.5 in 381 (the authors' code, "
        "github.com/LucasPrietoAl/grokking-at-the-edge-of-numerical-"
        "stability, run at seed 42 with train fraction 0.4)"),
    "stablemax": (
        "Prieto et al. 2025 (StableMax)",
        "StableMax without weight decay groks, slowly (the authors' code: "
        "98.4% validation accuracy after about 70,000 steps)"),
    "stablemax_sgd_float64": (
        "Prieto et al. 2025 (⊥SGD + StableMax)",
        "in float64, ⊥SGD with StableMax cross-entropy groks without "
        "weight decay in 416 steps (the authors' code, seed 42)"),
    "sam_label_noise": (
        "Foret et al. 2021 (SAM); Du et al. 2022 (SAF/MESA)",
        "flat-minimum training is more robust to label noise than plain "
        "SGD"),
    "tract_shifted": (
        "Petersen et al. 2024 (TrAct)",
        "its argument: plain first-layer updates scale with the pixel "
        "values and TrAct's do not, so dim, low-contrast inputs should "
        "cost it less accuracy"),
    "data_pruning": (
        "Sorscher et al. 2022 (data pruning)",
        "on small data, keeping the easy examples (EL2N or prototypes) "
        "beats random pruning at the same kept fraction"),
    "adamp": (
        "Heo et al. 2021 (AdamP)",
        "AdamP curbs the norm growth of scale-invariant weights, at equal "
        "or better accuracy"),
    "any_loss": (
        "Han et al. 2024 (AnyLoss)",
        "AnyLoss beats binary cross-entropy on imbalanced data"),
    "supcon": (
        "Khosla et al. 2020 (SupCon)",
        "SupCon pre-training plus a linear probe beats cross-entropy"),
    "tract": (
        "Petersen et al. 2024 (TrAct)",
        "1.25x to 4x fewer epochs to the baseline's accuracy"),
    "sam": ("Foret et al. 2021 (SAM)", "SAM finds flatter minima"),
    "saf_mesa": (
        "Du et al. 2022 (SAF/MESA)",
        "flatness like SAM's at about the base optimizer's cost per step"),
    "qk_norm": (
        "Wortsman et al. 2023 (qk-layernorm + z-loss)",
        "the mitigations lower the LR sensitivity"),
    "fisher": (
        "Matena and Raffel 2022 (Fisher merging)",
        "Fisher-weighted averaging beats plain averaging"),
}
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
            " / ".join(str(reached[key]) if reached[key] is not None
                       else "-" for key in ("0.50", "0.90", "0.99")),
            f"{run['train_seconds'] / 60:.0f} min "
            f"({run['seconds_per_step']:.2f} s a step)",
            ", ".join(f"{float(accuracy):.1%} at {int(step):,}"
                      for step, accuracy in run["paper_trajectory"].items())])
    return "\n".join([
        _table(["preset", "full-batch steps run", "train acc",
                "test acc", "first step at 50% / 90% / 99% test acc",
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


def _long_run_summary(record):
    """One sentence: where the long StableMax run got to, and how fast."""
    run = record["results"]
    steps = run["steps_done"]
    text = (f"{run['final_test_accuracy']:.1%} test accuracy "
            f"(train {run['final_train_accuracy']:.1%}) after {steps:,} "
            f"full-batch steps")
    if not run["finished"]:
        text += f" of {run['steps_planned']:,} planned (stopped there)"
    text += (f", {run['train_seconds'] / 3600:.1f} h on this CPU "
             f"({run['seconds_per_step']:.2f} s a step)")
    paper = _paper_accuracy_at(run, steps)
    if paper:
        text += (f"; the authors' run had {paper[1]:.1%} at "
                 f"{paper[0]:,} steps")
    return text


def _stablemax_row(short_runs, budget, long_run):
    reached = short_runs["steps_to_99_val_accuracy"]
    link = "[grokking](recipes/grokking.md)"
    claim_steps = 70_421
    if long_run:
        run = long_run["results"]
        measured = _long_run_summary(long_run)
        if run["final_test_accuracy"] >= 0.98:
            verdict = "reproduced"
        elif run["steps_done"] >= claim_steps:
            verdict = "not reproduced"
        else:
            hours = claim_steps * run["seconds_per_step"] / 3600
            verdict = (f"not checked: the claim needs {claim_steps:,} "
                       f"steps, about {hours:.0f} h on this CPU")
        return ["stablemax", measured, "not run", verdict, link]
    if None in reached:
        measured = (
            f"not within {budget} steps (train acc "
            f"{_mean(short_runs['final_train_accuracy']):.2f}, val acc "
            f"{_mean(short_runs['final_val_accuracy']):.2f})")
        verdict = (f"not checked: {budget} steps is a small part of "
                   f"the paper's budget")
    else:
        measured = f"{_steps_list(reached, budget)} steps to 99%"
        verdict = "holds"
    return ["stablemax", measured, "not run", verdict, link]


def _fidelity_rows(records):
    rows = []
    fidelity = records.get("fidelity")
    results = fidelity["results"] if fidelity else {}
    settings = fidelity["settings"] if fidelity else {}
    grokking = results.get("grokking")
    if grokking:
        budget = settings["grokking_steps"]
        ortho = grokking["orthograd"]["steps_to_99_val_accuracy"]
        base = grokking["softmax_ce_adamw"]["steps_to_99_val_accuracy"]
        seeds = f"seeds 0-{len(ortho) - 1}"
        if None in ortho or None in base:
            verdict = "not decided: a run did not grok within the budget"
        else:
            speed = _mean(base) / _mean(ortho)
            verdict = (f"holds ({_ratio(speed)} faster)" if speed > 1
                       else "does not hold")
        rows.append(["orthograd", f"⊥AdamW: {_steps_list(ortho, budget)} "
                     f"steps to 99% val acc ({seeds})",
                     f"AdamW, weight decay 1.5: {_steps_list(base, budget)}"
                     f" steps", verdict, "[grokking](recipes/grokking.md)"])
        rows.append(_stablemax_row(grokking["stablemax_no_wd"], budget,
                                   records.get("grokking_long")))
    adamp = results.get("adamp")
    if adamp:
        mild, base = adamp["image_classifier_mild"], \
            adamp["image_classifier_baseline"]
        growth = (_mean(mild["kernel_norm_growth"]),
                  _mean(base["kernel_norm_growth"]))
        accuracy = (_mean(mild["final_val_accuracy"]),
                    _mean(base["final_val_accuracy"]))
        verdict = ("norm growth lower" if growth[0] < growth[1]
                   else "norm growth not lower")
        # Compared as shown (3 decimals): digits' validation split is small.
        verdict += (", accuracy equal or better"
                    if round(accuracy[0], 3) >= round(accuracy[1], 3)
                    else ", accuracy lower")
        rows.append([
            "adamp", f"AdamP: conv kernel norm x{growth[0]:.3f} after "
            f"{settings['image_epochs']} epochs, val acc {accuracy[0]:.3f}",
            f"Adam: kernel norm x{growth[1]:.3f}, val acc {accuracy[1]:.3f}",
            verdict, "[image_classifier](recipes/image_classifier.md)"])
    any_loss = results.get("any_loss")
    if any_loss:
        f1 = {p: _mean(v["final_val_f1"]) for p, v in any_loss.items()}
        balanced = {p: _mean(v["final_val_balanced_accuracy"])
                    for p, v in any_loss.items()}
        positives = _constructor_default("imbalanced_binary",
                                         "positive_fraction")
        verdict = ("holds" if f1["any_loss_f1"] > f1["binary_cross_entropy"]
                   else "does not hold")
        rows.append([
            "any_loss", f"AnyLoss(F1), {positives:.0%} positives: F1 "
            f"{f1['any_loss_f1']:.3f}, balanced acc "
            f"{balanced['any_loss_f1']:.3f}",
            f"BCE: F1 {f1['binary_cross_entropy']:.3f}, balanced acc "
            f"{balanced['binary_cross_entropy']:.3f}",
            f"{verdict} (F1, mean of {settings['any_loss_seeds']} seeds)",
            "[imbalanced_binary](recipes/imbalanced_binary.md)"])
    contrastive = results.get("contrastive")
    if contrastive:
        probe = {p: _mean(v["final_val_probe_accuracy"])
                 for p, v in contrastive.items()}
        difference = probe["supervised_contrastive"] - probe["from_scratch"]
        verdict = ("tie" if abs(difference) < 0.005
                   else "holds" if difference > 0 else "does not hold")
        rows.append([
            "supcon", f"probe val acc {probe['supervised_contrastive']:.3f} "
            f"after {settings['contrastive_epochs']} epochs",
            f"same encoder trained with CE, probed: "
            f"{probe['from_scratch']:.3f}", verdict,
            "[contrastive](recipes/contrastive.md)"])
    tract = records.get("tract_convergence")
    if tract:
        summary = _tract_summary(tract["results"]["test_accuracy_by_epoch"])
        low, high = TRACT_CLAIMED_SPEEDUP
        cells, verdicts = [], []
        for optimizer, s in summary.items():
            speedup = s["speedup"]
            cells.append(f"{optimizer}: " + (_ratio(speedup) if speedup
                                             else "not reached"))
            verdicts.append(
                f"{optimizer}: " + ("not reached" if not speedup
                                    else "in range" if low <= speedup <= high
                                    else "below the range" if speedup < low
                                    else "above the range"))
        rows.append(["tract", ", ".join(cells),
                     "plain first layer, same seeds", ", ".join(verdicts),
                     "[TrAct convergence](#tract-convergence)"])
    sharpness = records.get("sharpness")
    if sharpness:
        means = _sharpness_means(sharpness)
        sam, base = means["SAM"]["lambda_max"][0], \
            means["base"]["lambda_max"][0]
        rows.append([
            "sam", f"top Hessian eigenvalue {_sig(sam)} "
            f"({sharpness['settings']['epochs']} epochs)",
            f"plain: {_sig(base)}",
            f"holds ({base / sam:.1f}x flatter)" if sam < base
            else "does not hold", "[sharpness](#sharpness-and-accuracy)"])
    step = records.get("training_step")
    if sharpness and step:
        variants = step["results"]["variants"]
        increase = {t: means[t]["loss_increase"][0] for t in means}
        lam = {t: means[t]["lambda_max"][0] for t in means}
        cost = (f"step {_ratio(variants['SAF']['median_ratio_to_base'])} / "
                f"{_ratio(variants['MESA']['median_ratio_to_base'])} of "
                f"plain (JAX)")
        def below_plain(measure, values):
            flatter = [t for t in ("SAF", "MESA")
                       if values[t] < values["base"]]
            return (f"{measure} below plain for {' and '.join(flatter)}"
                    if flatter else f"{measure} not below plain")
        rows.append([
            "saf_mesa", f"SAF / MESA: {cost}; dL {_sig(increase['SAF'])} / "
            f"{_sig(increase['MESA'])}, lambda_max {_sig(lam['SAF'])} / "
            f"{_sig(lam['MESA'])}",
            f"plain dL {_sig(increase['base'])}, lambda_max "
            f"{_sig(lam['base'])}; SAM dL {_sig(increase['SAM'])}, step "
            f"{_ratio(variants['SAM']['median_ratio_to_base'])}",
            below_plain("dL", increase) + "; "
            + below_plain("lambda_max", lam),
            "[training step](#training-step-wrappers), "
            "[sharpness](#sharpness-and-accuracy)"])
    sweep = records.get("lr_sensitivity")
    if sweep:
        sensitivity = sweep["results"]["lr_sensitivity"]
        plain = sensitivity["baseline"]
        mitigated = sensitivity["qk_norm + z_loss"]
        losses = sweep["results"]["final_loss"]
        lower = sum(
            1 for ours, theirs in zip(losses["qk_norm + z_loss"],
                                      losses["baseline"])
            if ours is not None and (theirs is None or ours < theirs))
        rows.append([
            "qk_norm", f"LR sensitivity {mitigated:.3f}; final loss below "
            f"plain at {lower} of {len(losses['baseline'])} learning rates",
            f"plain attention + CE: {plain:.3f}",
            "holds" if mitigated < plain else "does not hold",
            "[LR sensitivity](#lr-sensitivity)"])
    fisher = records.get("fisher_merge")
    if fisher:
        accuracy = fisher["results"]["accuracy"]

        def mean_of(key):
            return (accuracy[key]["task_a"] + accuracy[key]["task_b"]) / 2
        merged, plain = mean_of("Fisher, unit norm"), mean_of("plain average")
        rows.append([
            "fisher", f"mean accuracy over the two tasks {merged:.3f} "
            f"(unit-norm Fishers)", f"plain average {plain:.3f}",
            "holds" if merged > plain else "does not hold",
            "[Fisher merging](#fisher-merging)"])
    rows += _regime_rows(records.get("regimes"))
    float64_run = records.get("grokking_sgd_float64")
    if float64_run:
        run = float64_run["results"]
        reached = run["first_step_reaching"]["0.99"]
        measured = (f"{reached} steps to 99% test acc (seed "
                    f"{float64_run['settings']['seed']}, evaluation every "
                    f"{float64_run['settings']['steps_per_epoch']} steps)"
                    if reached is not None else
                    f"not within {run['steps_done']} steps")
        verdict = ("reproduced" if reached is not None
                   and reached <= 1.25 * 416 else
                   "direction holds" if reached is not None
                   else "not reproduced")
        rows.append(["stablemax_sgd_float64", measured,
                     "not run in this benchmark (the demo's softmax CE "
                     "without weight decay: never groks)",
                     verdict, "[long grokking runs](#long-grokking-runs)"])
    return rows


def regime_verdict(technique, baseline):
    """"reproduced" when the technique's mean beats the baseline's by more
    than either spread over seeds, "direction holds" when it beats it by
    less, "not reproduced" otherwise."""
    difference = _mean(technique) - _mean(baseline)
    if difference <= 0:
        return "not reproduced"
    if difference > max(_spread(technique), _spread(baseline)):
        return "reproduced"
    return "direction holds"


def _mean_spread(values):
    return f"{_mean(values):.3f} ± {_spread(values):.3f}"


def _regime_rows(record):
    if not record:
        return []
    results = record["results"]
    link = "[regimes](#regimes-where-effects-show)"
    rows = []
    noise = results.get("label_noise")
    if noise:
        scores = noise["scores"]
        seeds = len(noise["seeds"])
        rows.append([
            "sam_label_noise",
            "clean test acc, 40% noisy labels: " + ", ".join(
                f"{name} {_mean_spread(scores[name])}"
                for name in ("SAM", "SAF", "MESA")) + f" ({seeds} seeds)",
            f"plain SGD {_mean_spread(scores['plain'])}",
            ", ".join(f"{name}: {regime_verdict(scores[name], scores['plain'])}"
                      for name in ("SAM", "SAF", "MESA")), link])
    tract = results.get("tract_intensity")
    if tract:
        scores = tract["scores"]
        rows.append([
            "tract_shifted",
            "test acc on shifted inputs "
            f"{_mean_spread(scores['TrAct, shifted'])} "
            f"({len(tract['seeds'])} seeds)",
            f"plain first layer {_mean_spread(scores['plain, shifted'])}",
            regime_verdict(scores["TrAct, shifted"],
                           scores["plain, shifted"]), link])
    pruning = results.get("data_pruning")
    if pruning:
        scores = pruning["scores"]
        rows.append([
            "data_pruning",
            f"test acc, half kept: EL2N easy "
            f"{_mean_spread(scores['EL2N easy'])}, prototypes easy "
            f"{_mean_spread(scores['prototypes easy'])} "
            f"({len(pruning['seeds'])} seeds)",
            f"random {_mean_spread(scores['random'])}",
            f"EL2N: {regime_verdict(scores['EL2N easy'], scores['random'])}"
            f", prototypes: "
            f"{regime_verdict(scores['prototypes easy'], scores['random'])}",
            link])
    return rows


def fidelity_block(records):
    rows = []
    for key, measured, baseline, verdict, link in _fidelity_rows(records):
        paper, claim = PAPER_CLAIMS[key]
        rows.append([paper, claim, measured, baseline, verdict, link])
    if not rows:
        return _not_measured("fidelity")
    table = _table(["paper", "claim", "kerastricks (measured)",
                    "baseline, same run", "verdict (computed)", "details"],
                   rows)
    fidelity = records.get("fidelity")
    lines = [table, ""]
    if fidelity:
        lines.append("Fidelity runs: " + _settings(fidelity, [
            "seeds", "any_loss_seeds", "grokking_steps", "image_epochs",
            "contrastive_epochs"]) + ".")
        lines += ["", _provenance_block([fidelity])]
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


if __name__ == "__main__":
    sys.exit(main())
