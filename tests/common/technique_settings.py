"""The technique table: one row per public export, keyed by its path.

A row is plain data: the `kind` (which harness helper runs it), the
constructor keyword arguments (`init_kwargs`: a dict, or a small factory
where a nested object must be fresh for each instance), example inputs,
an optional `tolerance` `(atol, rtol)` (default: the float32 row of
`kerastricks.testing.test_case.TOLERANCES`; a looser one says why) and the
options of that kind's helper. `contract_test.py` runs
every row through its helper, and `compiled_step_test.py` derives the
compiled-step models (XLA on JAX and TensorFlow, torch.compile on torch)
from the same rows. Adding a technique adds one row here, or, for a family
of techniques, one row in a module of its own named
`technique_settings_<family>.py` beside this one, whose `SETTINGS` dict is
merged into this one (a path may appear in only one module). A family
module may also define `FUZZ_RANGES` (argument ranges, merged into
`fuzz_test.DECLARED`) and `INVALID_CALLS` (its layers' and losses' bad
calls, merged into the tables of `invalid_calls_test.py`), in the formats
those modules document.

Kinds and their fields (besides `kind`):

- `layer`: `init_kwargs`, `input_data` (an array, or a dict of arrays
  passed by keyword), `call_kwargs`, `expected_output_shape`,
  `expected_num_trainable_weights`, `expected_num_non_trainable_weights`,
  `expected_num_seed_generators`, `supports_masking`;
  `TestCase.run_layer_test`.
- `activation`: `reference`, `input_data`;
  `TestCase.run_activation_test`.
- `loss`: `init_kwargs`, `fn` (the per-example functional core, or None),
  `reference`, `y_true`, `y_pred`, `batch_level`,
  `extreme_y_pred`, and `output_activation` (what ends the model head that
  feeds it in the compiled-step model); `TestCase.run_loss_test`.
- `optimizer`: `init_kwargs` (a dict, or a factory taking the base
  options such as `weight_decay`), `reference` (the NumPy `(init,
  update)` pair); `TestCase.run_optimizer_test`.
- `schedule`: `init_kwargs` (a dict or factory), `reference` (a NumPy
  function of an array of steps returning the rates), `steps` (the steps
  compared); `TestCase.run_schedule_test`.
- `model_wrapper`: `init_kwargs` (the inner model comes from the
  harness); `TestCase.run_model_wrapper_test`.
- `callback`: `init_kwargs` (a factory given the probe data `(x, y)` of
  the shared problem), `expected_log_keys`; `TestCase.run_callback_test`.
- `utility`: `kwargs` (a dict or factory), `expected` (a value, or a
  function of the keyword arguments), `observe` (what of the result to
  compare), `x` (inputs of a returned model); `TestCase.run_utility_test`.
"""

import importlib
import pathlib

import keras
import numpy as np

import kerastricks
from kerastricks.testing import problems
from tests.references import any_loss as any_loss_reference
from tests.references import contrastive as contrastive_reference
from tests.references import fisher_merge as fisher_reference
from tests.references import ops as ops_reference
from tests.references import optimizers as optimizer_reference
from tests.references import segmentation as segmentation_reference
from tests.references import z_loss as z_loss_reference

_RNG = np.random.default_rng(0)
_LOGITS = _RNG.normal(scale=2.0, size=(6, 5)).astype("float32")
_LABELS = _RNG.integers(0, 5, size=6)
_EMBEDDINGS = _RNG.normal(size=(6, 3)).astype("float32")
_SEGMENTATION_TRUE = np.eye(3, dtype="float32")[
    _RNG.integers(0, 3, size=(2, 2, 2))]
_SEGMENTATION_PRED = _RNG.dirichlet(np.ones(3), size=(2, 2, 2)).astype(
    "float32")
_BINARY_TRUE = np.array([[1], [0], [1], [1], [0], [0]], "float32")
_BINARY_PRED = np.array([[0.9], [0.2], [0.55], [0.1], [0.45], [0.7]],
                        "float32")
# Logits where softmax collapses in float32 (and overflows bfloat16).
_EXTREME = (np.array([0, 2]),
            np.array([[1e4, 0.0, -1e4], [0.5, 0.1, 3.0]], "float32"))
# The shared problem of the callback, wrapper and utility rows.
_X, _Y = problems.blobs(num_examples=8)
_LINEAR_X = _RNG.normal(size=(10, 3)).astype("float32")


def _any_loss_reference(metric, **metric_kwargs):
    """1 - metric(soft confusion matrix): one value per batch."""

    def reference(y_true, y_pred, sample_weight=None):
        counts = any_loss_reference.np_soft_confusion_matrix(
            y_true, y_pred, weight=sample_weight)
        return 1.0 - any_loss_reference.np_metric(metric, *counts,
                                                  **metric_kwargs)

    return reference


def _any_loss_row(reference):
    return {
        "kind": "loss", "init_kwargs": {}, "fn": None,
        "reference": reference, "batch_level": True,
        "y_true": _BINARY_TRUE, "y_pred": _BINARY_PRED,
        "output_activation": "sigmoid",
    }


def _linear_classifier(seed=0):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def _fisher_merge_kwargs():
    models = [_linear_classifier(0), _linear_classifier(1)]
    rng = np.random.default_rng(2)
    fishers = [[rng.uniform(0.1, 2.0, size=tuple(v.shape)).astype("float32")
                for v in m.trainable_variables] for m in models]
    return {"models": models, "datasets_or_fishers": fishers,
            "normalize_fishers": False}


def _fisher_merge_expected(kwargs):
    models, fishers = kwargs["models"], kwargs["datasets_or_fishers"]
    return [
        fisher_reference.np_fisher_weighted_average(
            [m.get_weights()[j] for m in models], [f[j] for f in fishers],
            [0.5, 0.5])
        for j in range(len(fishers[0]))
    ]


def _bn_mlp():
    return problems.mlp(outputs=3, normalization=True)


SETTINGS = {
    # ------------------------------------------------------------ activations
    "kerastricks.activations.stablemax": {
        "kind": "activation",
        "reference": ops_reference.np_stablemax,
        "input_data": _RNG.normal(scale=5.0, size=(4, 3)).astype("float32"),
    },
    # ----------------------------------------------------------------- layers
    "kerastricks.layers.GroupGeneralizedMeanPooling": {
        "kind": "layer",
        "init_kwargs": {"groups": 2},
        "input_data": _RNG.uniform(size=(2, 5, 4)).astype("float32"),
        "expected_output_shape": (2, 4),
        "expected_num_trainable_weights": 1,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.QKNormMultiHeadAttention": {
        "kind": "layer",
        "init_kwargs": {"num_heads": 2, "key_dim": 4, "dropout": 0.25,
                        "seed": 1},
        "input_data": {
            "query": _RNG.normal(size=(2, 3, 8)).astype("float32"),
            "value": _RNG.normal(size=(2, 5, 6)).astype("float32"),
            "key": _RNG.normal(size=(2, 5, 7)).astype("float32"),
            "attention_mask": _RNG.uniform(size=(2, 3, 5)) > 0.3,
        },
        "call_kwargs": {"use_causal_mask": True},
        "expected_output_shape": (2, 3, 8),
        "expected_num_trainable_weights": 12,  # 8 projection + 4 norm
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 1,
        "supports_masking": False,
    },
    "kerastricks.layers.SpatialPyramidPooling2D": {
        "kind": "layer",
        "init_kwargs": {"bins": (1, 2)},
        "input_data": _RNG.normal(size=(2, 6, 5, 3)).astype("float32"),
        "expected_output_shape": (2, 15),
        "expected_num_trainable_weights": 0,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
        "supports_masking": False,
    },
    "kerastricks.layers.TrAct": {
        "kind": "layer",
        "init_kwargs": lambda: {
            "layer": keras.layers.Conv2D(4, 3, strides=2, padding="same",
                                         activation="relu"),
            "lambda_": 0.1,
        },
        "input_data": _RNG.normal(size=(2, 6, 6, 3)).astype("float32"),
        "expected_output_shape": (2, 3, 3, 4),
        "expected_num_trainable_weights": 2,
        "expected_num_non_trainable_weights": 0,
        "expected_num_seed_generators": 0,
    },
    # ----------------------------------------------------------------- losses
    "kerastricks.losses.StableMaxCrossEntropy": {
        "kind": "loss", "init_kwargs": {},
        "fn": kerastricks.ops.stablemax_cross_entropy,
        "reference": ops_reference.np_stablemax_cross_entropy,
        "y_true": _LABELS, "y_pred": _LOGITS, "extreme_y_pred": _EXTREME,
        "output_activation": None,
    },
    "kerastricks.losses.ZLoss": {
        "kind": "loss", "init_kwargs": {"a": 2.0, "b": 1.0},
        "fn": lambda y, p: kerastricks.ops.z_loss(y, p, a=2.0, b=1.0),
        "reference": lambda y, p: z_loss_reference.np_z_loss(y, p, a=2.0,
                                                             b=1.0),
        "y_true": _LABELS, "y_pred": _LOGITS,
        "extreme_y_pred": (np.array([0, 2]), np.array(
            [[1e30, 0.0, -1e30], [0.5, 0.1, 3.0]], "float32")),
        "output_activation": None,
    },
    "kerastricks.losses.LogitZLoss": {
        "kind": "loss", "init_kwargs": {"coefficient": 0.01},
        "fn": lambda y, p: (kerastricks.ops.logit_z_loss(p, 0.01)
                            + keras.losses.sparse_categorical_crossentropy(
                                y, p, from_logits=True)),
        "reference": lambda y, p: (
            ops_reference.np_logit_z_loss(p, 0.01)
            + ops_reference.np_sparse_softmax_cross_entropy(y, p)),
        "y_true": _LABELS, "y_pred": _LOGITS,
        "extreme_y_pred": (np.array([0, 2]), np.array(
            [[30.0, 0.0, -30.0], [0.5, 0.1, 3.0]], "float32")),
        "output_activation": None,
    },
    "kerastricks.losses.SupervisedContrastiveLoss": {
        "kind": "loss", "init_kwargs": {"temperature": 0.5},
        "fn": lambda y, p: kerastricks.ops.supervised_contrastive_loss(
            y, p, 0.5),
        "reference": lambda y, p: (
            contrastive_reference.np_supervised_contrastive(y, p, 0.5)),
        "y_true": np.array([0, 1, 0, 1, 2, 2]), "y_pred": _EMBEDDINGS,
        "output_activation": None,
    },
    "kerastricks.losses.NTXentLoss": {
        "kind": "loss", "init_kwargs": {"temperature": 0.5},
        "fn": lambda y, p: kerastricks.ops.nt_xent_loss(p, 0.5),
        "reference": lambda y, p: contrastive_reference.np_nt_xent(p, 0.5),
        "y_true": np.zeros(6, "float32"), "y_pred": _EMBEDDINGS,
        "output_activation": None,
    },
    "kerastricks.losses.CrossEntropyDiceLoss": {
        "kind": "loss", "init_kwargs": {},
        "fn": lambda t, q: (
            kerastricks.ops.weighted_categorical_cross_entropy(t, q)
            + kerastricks.ops.soft_dice_loss(t, q)),
        "reference": segmentation_reference.np_cross_entropy_dice,
        "y_true": _SEGMENTATION_TRUE, "y_pred": _SEGMENTATION_PRED,
        "output_activation": "softmax",
    },
    "kerastricks.losses.AnyLoss": _any_loss_row(
        _any_loss_reference("f_beta")),
    "kerastricks.losses.FBetaLoss": _any_loss_row(
        _any_loss_reference("f_beta")),
    "kerastricks.losses.AccuracyLoss": _any_loss_row(
        _any_loss_reference("accuracy")),
    "kerastricks.losses.BalancedAccuracyLoss": _any_loss_row(
        _any_loss_reference("balanced_accuracy")),
    "kerastricks.losses.GeometricMeanLoss": _any_loss_row(
        _any_loss_reference("geometric_mean")),
    # ------------------------------------------------------------- optimizers
    "kerastricks.optimizers.AdamP": {
        "kind": "optimizer",
        "init_kwargs": {"learning_rate": 0.1},
        "reference": optimizer_reference.adamp(learning_rate=0.1),
    },
    "kerastricks.optimizers.SGDP": {
        "kind": "optimizer",
        "init_kwargs": {"learning_rate": 0.1, "momentum": 0.9},
        "reference": optimizer_reference.sgdp(learning_rate=0.1,
                                              momentum=0.9),
    },
    "kerastricks.optimizers.OrthoGrad": {
        "kind": "optimizer",
        # OrthoGrad leaves the base options to the optimizer it wraps.
        "init_kwargs": lambda **base_options: {
            "optimizer": keras.optimizers.SGD(
                learning_rate=0.1, momentum=0.8, **base_options)},
        "reference": optimizer_reference.orthograd_sgd(learning_rate=0.1,
                                                       momentum=0.8),
    },
    # --------------------------------------------------------- model wrappers
    "kerastricks.models.SAM": {
        "kind": "model_wrapper", "init_kwargs": {"rho": 0.05},
    },
    "kerastricks.models.SAF": {
        "kind": "model_wrapper",
        "init_kwargs": {"start_epoch": 0, "lag_epochs": 1},
    },
    "kerastricks.models.MESA": {
        "kind": "model_wrapper", "init_kwargs": {"start_epoch": 0},
    },
    # -------------------------------------------------------------- callbacks
    "kerastricks.callbacks.DataPruningScores": {
        "kind": "callback",
        "init_kwargs": lambda data: {"data": data, "score_epochs": (1,)},
        "expected_log_keys": (),
    },
    "kerastricks.callbacks.OpposingSignalsMonitor": {
        "kind": "callback",
        "init_kwargs": lambda data: {"probe_data": data, "top_k": 2},
        "expected_log_keys": ("opposing_signals_strength",),
    },
    "kerastricks.callbacks.SoftmaxCollapseMonitor": {
        "kind": "callback",
        "init_kwargs": lambda data: {"probe_data": data},
        "expected_log_keys": ("softmax_collapse",),
    },
    # -------------------------------------------------------------- utilities
    "kerastricks.utils.scale_learning_rate": {
        "kind": "utility",
        "kwargs": {"learning_rate": 0.1, "base_batch_size": 32,
                   "batch_size": 128, "optimizer": "sgd"},
        "expected": 0.4,  # linear rule for SGD: 0.1 * 128 / 32
    },
    "kerastricks.utils.select_kept_indices": {
        "kind": "utility",
        "kwargs": {"scores": [3.0, 1.0, 2.0], "keep_fraction": 0.34},
        "expected": [0],  # round(0.34 * 3) = 1 hardest example
    },
    "kerastricks.utils.prototype_scores": {
        "kind": "utility",
        "kwargs": {"embeddings": np.eye(3, dtype="float32"),
                   "num_clusters": 3},
        "expected": np.zeros(3),  # every point is its own centroid
    },
    "kerastricks.utils.diagonal_fisher": {
        "kind": "utility",
        "kwargs": lambda: {"model": _linear_classifier(), "x": _LINEAR_X,
                           "batch_size": 5},
        "expected": lambda kwargs: fisher_reference.np_softmax_linear_fisher(
            kwargs["x"], *kwargs["model"].get_weights()),
    },
    "kerastricks.utils.fisher_merge": {
        "kind": "utility",
        "kwargs": _fisher_merge_kwargs,
        "expected": _fisher_merge_expected,
        "observe": lambda model: model.get_weights(),
        "x": _LINEAR_X,
    },
    "kerastricks.utils.train_only_batchnorm": {
        "kind": "utility",
        "kwargs": lambda: {"model": _bn_mlp()},
        # Frozen: everything but BatchNorm's scale and offset.
        "expected": lambda kwargs: sorted(
            v.path for v in kwargs["model"].trainable_variables
            if v.name not in ("gamma", "beta")),
        "observe": lambda frozen: sorted(v.path for v in frozen),
    },
}

CALLBACK_DATA = (_X, _Y)


# What the family modules add to the fuzz and invalid-call tables.
FAMILY_FUZZ_RANGES = {}
FAMILY_INVALID_CALLS = {}


def _merge_family_modules():
    for module_file in sorted(pathlib.Path(__file__).parent.glob(
            "technique_settings_*.py")):
        family = importlib.import_module(f"{__package__}.{module_file.stem}")
        for table, merged in (("SETTINGS", SETTINGS),
                              ("FUZZ_RANGES", FAMILY_FUZZ_RANGES),
                              ("INVALID_CALLS", FAMILY_INVALID_CALLS)):
            rows = getattr(family, table, {})
            repeated = sorted(set(rows) & set(merged), key=str)
            if repeated:
                raise ValueError(
                    f"{module_file.name} repeats {table} entries of other "
                    f"modules: {repeated}")
            merged.update(rows)


_merge_family_modules()
