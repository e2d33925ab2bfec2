"""Bad constructor arguments, generated for every row of the contract table.

Every export with a row in `technique_settings.SETTINGS` (the families'
modules included) is built from its row's valid arguments with one argument
replaced by a bad value; each must raise a `ValueError` or `TypeError` whose
message names the argument and quotes the value (or its type). The bad
values come from the argument's *range*:

- derived from the signature default when it says enough: a bool is a
  flag, an int an integer, a float a real number, a tuple of ints a
  sequence of positive ints, and an argument named `axis` an axis;
- declared in `DECLARED` below for everything else (required arguments,
  `None` or string defaults, and ranges tighter than the default says,
  such as a positive temperature).

A new component gets the fuzz from its row alone; an argument whose range
can be neither derived nor found in `DECLARED` fails the test with a
message saying what to declare.
"""

import inspect
import math

import keras
import pytest

from kerastricks.api_export import PUBLIC_PATHS
from kerastricks.testing.test_case import resolve_kwargs
from tests.common.technique_settings import CALLBACK_DATA
from tests.common.technique_settings import FAMILY_FUZZ_RANGES
from tests.common.technique_settings import SETTINGS

NAN, INF = float("nan"), float("inf")

# The bad values of each range.
_NOT_A_NUMBER = [True, None, "abc"]
RANGES = {
    "real": [NAN, INF, -INF, *_NOT_A_NUMBER],
    "non_negative": [NAN, INF, -INF, -1.0, *_NOT_A_NUMBER],
    "positive": [NAN, INF, -INF, -1.0, 0.0, *_NOT_A_NUMBER],
    "fraction": [NAN, INF, -0.5, 1.5, *_NOT_A_NUMBER],  # in [0, 1]
    "learning_rate": [NAN, INF, -INF, -0.1, *_NOT_A_NUMBER],
    "integer": [NAN, INF, 2.5, *_NOT_A_NUMBER],
    "count": [NAN, INF, 2.5, 0, -1, *_NOT_A_NUMBER],  # int >= 1
    "index": [NAN, INF, 2.5, -1, *_NOT_A_NUMBER],  # int >= 0
    "optional_count": [NAN, 2.5, 0, -1, True, "abc"],
    "optional_index": [NAN, 2.5, -1, True, "abc"],
    "optional_real": [NAN, True, "abc"],
    "bool": [None, 1, "yes"],
    "int_sequence": [None, "abc", 3, (), (NAN,), (True,), (-1,)],
    "axis": ["abc", None, True, 1.5, NAN],
    "choice": ["abc", None, 1, True],
    "optional_choice": ["abc", 1, True],
    "object": [None, "abc", 1],  # a model, layer, optimizer or data
}

# Ranges that the signature default cannot tell, by (export name,
# argument). A string is a key of RANGES, a list gives the bad values
# themselves, and ("skip", reason) leaves an argument out, saying why.
_KERAS = ("skip", "a base Keras argument that Keras itself checks")
_ARRAY = ("skip", "array data: its shape is a call-time check, tested with "
          "the function")
DECLARED = {
    # activations
    ("stablemax", "x"): ("skip", "the input tensor: a call-time check"),
    # callbacks
    ("SWA", "start_epoch"): "index",
    ("SWA", "learning_rate"): [NAN, INF, -1.0, 0.0, True, "abc"],
    ("SWA", "min_learning_rate"): [NAN, INF, -1.0, 0.0, True, "abc"],
    ("SWA", "bn_update_data"): ["abc", 1],
    ("SWA", "backup_dir"): [1, True],
    ("DataPruningScores", "data"): "object",
    ("DataPruningScores", "score"): "choice",
    ("DataPruningScores", "batch_size"): "count",
    ("OpposingSignalsMonitor", "probe_data"): "object",
    ("OpposingSignalsMonitor", "top_k"): "count",
    ("OpposingSignalsMonitor", "frequency"): "count",
    ("OpposingSignalsMonitor", "num_pairs"): "count",
    ("OpposingSignalsMonitor", "batch_size"): "count",
    ("OpposingSignalsMonitor", "loss_fn"): ["abc", 1],
    ("OpposingSignalsMonitor", "report_path"): [1, True],
    ("SoftmaxCollapseMonitor", "probe_data"): "object",
    ("SoftmaxCollapseMonitor", "check_every"): "count",
    ("SoftmaxCollapseMonitor", "warn_above"): "fraction",
    ("SoftmaxCollapseMonitor", "stop_above"): "optional_real",
    # layers
    ("WeightNormalization", "layer"): "object",
    ("GroupGeneralizedMeanPooling", "groups"): "count",
    ("GroupGeneralizedMeanPooling", "p_initializer"): "positive",
    ("GroupGeneralizedMeanPooling", "epsilon"): "positive",
    ("GroupGeneralizedMeanPooling", "data_format"): "choice",
    ("QKNormMultiHeadAttention", "num_heads"): "count",
    ("QKNormMultiHeadAttention", "key_dim"): "count",
    ("QKNormMultiHeadAttention", "value_dim"): "optional_count",
    ("QKNormMultiHeadAttention", "output_shape"): "optional_count",
    ("QKNormMultiHeadAttention", "dropout"): "fraction",
    ("QKNormMultiHeadAttention", "qk_norm_epsilon"): "positive",
    ("QKNormMultiHeadAttention", "kernel_initializer"): _KERAS,
    ("QKNormMultiHeadAttention", "bias_initializer"): _KERAS,
    ("QKNormMultiHeadAttention", "seed"): _KERAS,
    ("SpatialPyramidPooling2D", "mode"): "choice",
    ("SpatialPyramidPooling2D", "data_format"): "choice",
    ("TrAct", "layer"): "object",
    ("TrAct", "lambda_"): "positive",
    # losses
    ("SparseCategoricalFocalLoss", "alpha"): [
        NAN, INF, -1.0, True, "abc", [NAN, 1.0]],
    ("TripletHardLoss", "distance_metric"): "choice",
    ("TripletSemiHardLoss", "distance_metric"): "choice",
    ("AnyLoss", "metric"): "choice",
    ("CrossEntropyDiceLoss", "class_weights"): [
        "abc", 3, [NAN, 1.0, 1.0], [INF, 1.0, 1.0], [-1.0, 1.0, 1.0]],
    ("CrossEntropyDiceLoss", "cross_entropy_weight"): "non_negative",
    ("CrossEntropyDiceLoss", "dice_weight"): "non_negative",
    ("CrossEntropyDiceLoss", "smooth"): "positive",
    ("FBetaLoss", "beta"): "positive",
    ("LogitZLoss", "coefficient"): "non_negative",
    ("LogitZLoss", "cross_entropy"): "optional_choice",
    ("NTXentLoss", "temperature"): "positive",
    ("SupervisedContrastiveLoss", "temperature"): "positive",
    ("ZLoss", "a"): "positive",
    # model wrappers
    ("FriendlySAM", "model"): "object",
    ("GSAM", "model"): "object",
    ("LookSAM", "model"): "object",
    ("MESA", "model"): "object",
    ("MESA", "temperature"): "positive",
    ("MESA", "trajectory_loss_weight"): "non_negative",
    ("MESA", "start_epoch"): "index",
    ("MESA", "end_epoch"): "optional_index",
    ("MESA", "ema_momentum"): "fraction",
    ("SAF", "model"): "object",
    ("SAF", "num_examples"): "optional_count",
    ("SAF", "temperature"): "positive",
    ("SAF", "trajectory_loss_weight"): "non_negative",
    ("SAF", "start_epoch"): "index",
    ("SAF", "end_epoch"): "optional_index",
    ("SAF", "lag_epochs"): "count",
    ("SAM", "model"): "object",
    ("SAM", "rho"): "non_negative",  # 0 is plain training
    ("SAM", "eta"): "non_negative",
    ("SAM", "epsilon"): "positive",
    # optimizers
    ("AdaBelief", "weight_decay"): [NAN, INF, -1.0, True, "abc"],
    ("Adan", "weight_decay"): [NAN, INF, -1.0, True, "abc"],
    ("Lookahead", "optimizer"): "object",
    ("RAdam", "weight_decay"): [NAN, INF, -1.0, True, "abc"],
    ("AdamP", "learning_rate"): "learning_rate",
    ("AdamP", "epsilon"): "positive",
    ("AdamP", "delta"): "positive",
    ("AdamP", "wd_ratio"): "non_negative",
    # None turns Keras's decay off.
    ("AdamP", "weight_decay"): [NAN, INF, -1.0, True, "abc"],
    ("OrthoGrad", "optimizer"): "object",
    ("OrthoGrad", "epsilon"): "positive",
    ("SGDP", "learning_rate"): "learning_rate",
    ("SGDP", "momentum"): "non_negative",
    ("SGDP", "dampening"): "non_negative",
    ("SGDP", "epsilon"): "positive",
    ("SGDP", "delta"): "positive",
    ("SGDP", "wd_ratio"): "non_negative",
    ("SGDP", "weight_decay"): [NAN, INF, -1.0, True, "abc"],
    # utilities
    # schedules
    ("CyclicalLearningRate", "initial_learning_rate"): "non_negative",
    ("CyclicalLearningRate", "maximal_learning_rate"): "non_negative",
    ("CyclicalLearningRate", "step_size"): "positive",
    ("CyclicalLearningRate", "mode"): "choice",
    ("CyclicalLearningRate", "scale_fn"): ["abc", 1],
    ("CyclicalLearningRate", "scale_mode"): "choice",
    ("OneCycleLearningRate", "maximal_learning_rate"): "positive",
    ("OneCycleLearningRate", "total_steps"): "count",
    ("OneCycleLearningRate", "anneal_strategy"): "choice",
    ("WarmupStableDecay", "peak_learning_rate"): "positive",
    ("WarmupStableDecay", "warmup_steps"): "index",
    ("WarmupStableDecay", "stable_steps"): "index",
    ("WarmupStableDecay", "decay_steps"): "count",
    ("WarmupStableDecay", "decay_shape"): "choice",
    ("diagonal_fisher", "model"): "object",
    ("diagonal_fisher", "x"): _ARRAY,
    ("diagonal_fisher", "y"): ("skip", "labels, only read with "
                               "labels='empirical'"),
    ("diagonal_fisher", "labels"): "choice",
    ("diagonal_fisher", "num_examples"): "optional_count",  # None: all
    ("diagonal_fisher", "batch_size"): "count",
    ("diagonal_fisher", "variables"): ["abc", 1],
    ("diagonal_fisher", "seed"): _KERAS,
    ("fisher_merge", "models"): "object",
    ("fisher_merge", "datasets_or_fishers"): ["abc", 1],
    ("fisher_merge", "weights"): ["abc", [NAN, 1.0], [-1.0, 2.0]],
    ("fisher_merge", "fisher_floor"): "non_negative",
    ("fisher_merge", "fisher_kwargs"): ["abc", 1],
    ("prototype_scores", "embeddings"): _ARRAY,
    ("prototype_scores", "num_clusters"): "count",
    ("prototype_scores", "iterations"): "count",
    ("prototype_scores", "seed"): _KERAS,
    ("scale_learning_rate", "learning_rate"): "learning_rate",
    ("scale_learning_rate", "base_batch_size"): "count",
    ("scale_learning_rate", "batch_size"): "count",
    ("scale_learning_rate", "optimizer"): "optional_choice",
    ("scale_learning_rate", "rule"): "optional_choice",
    ("select_kept_indices", "scores"): _ARRAY,
    ("select_kept_indices", "keep_fraction"): "fraction",
    ("select_kept_indices", "keep"): "choice",
    ("select_kept_indices", "abundant"): ("skip", "read only with "
                                          "keep='auto'"),
    ("train_only_batchnorm", "model"): "object",
}
# The families' modules declare their own (technique_settings.py).
DECLARED.update(FAMILY_FUZZ_RANGES)

# Arguments whose bad values are still accepted or reported unclearly, each
# with what is missing; the test fails once one is fixed, so that it leaves
# this list.
KNOWN_GAPS = {}

# Base arguments of Keras losses and optimizers, checked by Keras.
_KERAS_ARGUMENTS = {"name", "dtype", "reduction"}


def _tiny_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


def _valid_arguments(row):
    """The row's valid constructor arguments, built afresh."""
    kind = row["kind"]
    if kind == "callback":
        return dict(row["init_kwargs"](CALLBACK_DATA))
    if kind == "utility":
        return resolve_kwargs(row["kwargs"])
    if kind == "activation":
        return {"x": row["input_data"]}
    arguments = resolve_kwargs(row["init_kwargs"])
    if kind == "model_wrapper":
        arguments = {"model": _tiny_model(), **arguments}
    return arguments


def _parameters(export):
    target = export.__init__ if inspect.isclass(export) else export
    return [
        parameter
        for parameter in inspect.signature(target).parameters.values()
        if parameter.name != "self" and parameter.kind not in (
            parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    ]


def _derived_range(parameter):
    default = parameter.default
    if parameter.name == "axis":
        return "axis"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "real"
    if (isinstance(default, tuple) and default
            and all(isinstance(item, int) for item in default)):
        return "int_sequence"
    return None


def bad_values(export_name, parameter):
    """The bad values of `parameter`, `[]` for a declared skip, or `None`
    when its range is neither declared nor derivable."""
    declared = DECLARED.get((export_name, parameter.name))
    if declared is None and parameter.name in _KERAS_ARGUMENTS:
        return []
    if declared is None:
        declared = _derived_range(parameter)
    if declared is None:
        return None
    if isinstance(declared, tuple):  # ("skip", reason)
        return []
    if isinstance(declared, str):
        return RANGES[declared]
    return declared


def _mentions(message, value):
    """Whether the error quotes `value` (or its type, for objects)."""
    quoted = {repr(value), str(value), type(value).__name__}
    if isinstance(value, float) and not math.isfinite(value):
        quoted.add(str(value).lstrip("-"))
    if isinstance(value, (list, tuple)):
        quoted.update(repr(item) for item in value)
    return any(text in message for text in quoted)


def _fuzz(path):
    """Each bad value `path`'s constructor accepts or reports unclearly, by
    argument name."""
    row = SETTINGS[path]
    export = PUBLIC_PATHS[path]
    export_name = path.rsplit(".", 1)[1]
    # Built once: a rejected value stops the constructor before it uses
    # the other arguments (an accepted one is reported anyway).
    valid = _valid_arguments(row)
    problems = {}
    for parameter in _parameters(export):
        problems[parameter.name] = _fuzz_argument(export, export_name, valid,
                                                  parameter)
    return problems


def _fuzz_argument(export, export_name, valid, parameter):
    problems = []
    values = bad_values(export_name, parameter)
    if values is None:
        problems.append(
            f"{export_name}({parameter.name}=...): its range is unknown; "
            f"declare ({export_name!r}, {parameter.name!r}) in "
            f"tests/common/fuzz_test.py DECLARED as one of "
            f"{sorted(RANGES)}, a list of bad values, or "
            "('skip', reason)")
        return problems
    for value in values:
        arguments = {**valid, parameter.name: value}
        try:
            export(**arguments)
        except (ValueError, TypeError) as error:
            message = str(error)
            if (parameter.name not in message
                    or not _mentions(message, value)):
                problems.append(
                    f"{export_name}({parameter.name}={value!r}): the "
                    f"error does not name the argument and the value: "
                    f"{type(error).__name__}: {message}")
        except Exception as error:  # noqa: BLE001 (reported)
            problems.append(
                f"{export_name}({parameter.name}={value!r}) raised "
                f"{type(error).__name__}: {error}")
        else:
            problems.append(
                f"{export_name}({parameter.name}={value!r}) was accepted")
    return problems


def test_every_declared_range_is_used():
    names = {(path.rsplit(".", 1)[1], parameter.name)
             for path in SETTINGS
             for parameter in _parameters(PUBLIC_PATHS[path])}
    stale = sorted(set(DECLARED) - names)
    assert not stale, f"DECLARED names no argument of a row: {stale}"


@pytest.mark.parametrize("kind", sorted({row["kind"]
                                         for row in SETTINGS.values()}))
def test_bad_constructor_arguments_raise_clear_errors(kind):
    problems, fixed = [], []
    for path in sorted(SETTINGS):
        if SETTINGS[path]["kind"] != kind:
            continue
        export_name = path.rsplit(".", 1)[1]
        for argument, found in _fuzz(path).items():
            if (export_name, argument) in KNOWN_GAPS:
                if not found:
                    fixed.append((export_name, argument))
                continue
            problems.extend(found)
    assert not problems, "\n".join(problems)
    assert not fixed, f"Fixed: remove {fixed} from KNOWN_GAPS"


def test_ranges_of_a_new_component():
    keyword = inspect.Parameter.KEYWORD_ONLY
    # A string default says nothing about the range: the fuzz asks for a
    # declaration instead of skipping it.
    assert bad_values("NewLayer", inspect.Parameter(
        "mode", keyword, default="fast")) is None
    assert bad_values("NewLayer", inspect.Parameter(
        "rate", keyword, default=0.5)) == RANGES["real"]
    assert bad_values("NewLayer", inspect.Parameter(
        "sizes", keyword, default=(1, 2))) == RANGES["int_sequence"]
