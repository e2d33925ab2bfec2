"""Contract rows, fuzz ranges and bad calls of the optimal-transport,
robustness and equivariance techniques (merged into
`technique_settings.SETTINGS`)."""

import keras
import numpy as np

import kerastricks
from tests.references import interval_bounds as ibp_reference
from tests.references import optimal_transport as transport_reference
from tests.references import scale_shift_invariant as ssi_reference

_RNG = np.random.default_rng(23)
_SOURCE = _RNG.normal(size=(6, 3)).astype("float32")
_TARGET = (_RNG.normal(size=(6, 3)) + 0.5).astype("float32")
# An explicit epsilon: the default one is a function of the cost matrix,
# held constant for the gradient, which central differences would move.
_TRANSPORT_OPTIONS = {"epsilon": 0.5, "num_iterations": 30}
_INT_POINTS = _SOURCE.astype("int32")
_IBP_KERNEL = _RNG.normal(size=(4, 3)).astype("float32")
_IBP_BIAS = _RNG.normal(size=(3,)).astype("float32")
_IBP_X = _RNG.normal(size=(5, 4)).astype("float32")
_DEPTH = _RNG.uniform(1.0, 4.0, size=(3, 5, 5)).astype("float32")
_DEPTH_PREDICTION = _RNG.normal(size=(3, 5, 5)).astype("float32")


def _linear_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.set_weights([_IBP_KERNEL, _IBP_BIAS])
    return model


def _transport_reference(np_fn, swap):
    def reference(y_true, y_pred, sample_weight=None):
        first, second = (y_pred, y_true) if swap else (y_true, y_pred)
        if np_fn is transport_reference.np_monge_gap:
            return np_fn(first, second, weights=sample_weight,
                         **_TRANSPORT_OPTIONS)
        return np_fn(first, second, x_weights=sample_weight,
                     y_weights=sample_weight, **_TRANSPORT_OPTIONS)

    return reference


SETTINGS = {
    "kerastricks.losses.SinkhornDivergence": {
        "kind": "loss", "init_kwargs": _TRANSPORT_OPTIONS, "fn": None,
        "reference": _transport_reference(
            transport_reference.np_sinkhorn_divergence, swap=True),
        "batch_level": True, "y_true": _TARGET, "y_pred": _SOURCE,
        "output_activation": None,
        # Thirty unrolled float32 Sinkhorn iterations (three solves) against
        # the float64 reference: rounding accumulates to ~2e-6.
        "tolerance": (1e-5, 1e-5),
    },
    "kerastricks.losses.MongeGap": {
        "kind": "loss", "init_kwargs": _TRANSPORT_OPTIONS, "fn": None,
        "reference": _transport_reference(
            transport_reference.np_monge_gap, swap=False),
        "batch_level": True, "y_true": _SOURCE, "y_pred": _TARGET,
        "output_activation": None,
        "tolerance": (1e-5, 1e-5),
    },
    "kerastricks.losses.ScaleShiftInvariantLoss": {
        "kind": "loss", "init_kwargs": {"gradient_weight": 0.5,
                                        "num_scales": 2},
        "fn": lambda y, p: kerastricks.ops.scale_shift_invariant_loss(
            y, p, gradient_weight=0.5, num_scales=2),
        "reference": lambda y, p: ssi_reference.np_scale_shift_invariant_loss(
            y, p, gradient_weight=0.5, num_scales=2),
        "y_true": _DEPTH, "y_pred": _DEPTH_PREDICTION,
        "output_activation": None,
        # The float32 alignment (moments over 25 pixels) against float64
        # least squares.
        "tolerance": (1e-5, 1e-5),
    },
    "kerastricks.utils.interval_bounds": {
        "kind": "utility",
        "kwargs": lambda: {"model": _linear_model(), "x": _IBP_X,
                           "epsilon": 0.2},
        "expected": ibp_reference.np_dense(_IBP_X - 0.2, _IBP_X + 0.2,
                                           _IBP_KERNEL, _IBP_BIAS),
        "tolerance": (1e-5, 1e-5),
    },
    "kerastricks.models.IntervalBoundPropagation": {
        "kind": "model_wrapper",
        "init_kwargs": {"epsilon": 0.1, "warmup_steps": 1, "ramp_steps": 2},
    },
}

FUZZ_RANGES = {
    ("SinkhornDivergence", "epsilon"): [float("nan"), float("inf"), -1.0,
                                        0.0, True, "abc"],
    ("SinkhornDivergence", "num_iterations"): "count",
    ("SinkhornDivergence", "cost"): "choice",
    ("MongeGap", "epsilon"): [float("nan"), float("inf"), -1.0, 0.0, True,
                              "abc"],
    ("MongeGap", "num_iterations"): "count",
    ("MongeGap", "cost"): "choice",
    ("ScaleShiftInvariantLoss", "gradient_weight"): "non_negative",
    ("ScaleShiftInvariantLoss", "num_scales"): "count",
    ("ScaleShiftInvariantLoss", "ignore_value"): "optional_real",
    ("interval_bounds", "model"): "object",
    ("interval_bounds", "x"): ("skip", "array data: a call-time check"),
    ("interval_bounds", "epsilon"): "non_negative",
    ("interval_bounds", "clip_min"): "optional_real",
    ("interval_bounds", "clip_max"): "optional_real",
    ("IntervalBoundPropagation", "model"): "object",
    ("IntervalBoundPropagation", "epsilon"): "positive",
    ("IntervalBoundPropagation", "kappa"): "fraction",
    ("IntervalBoundPropagation", "warmup_steps"): "index",
    ("IntervalBoundPropagation", "ramp_steps"): "index",
    ("IntervalBoundPropagation", "clip_min"): "optional_real",
    ("IntervalBoundPropagation", "clip_max"): "optional_real",
}


def _point_cases(loss_name, make):
    return [
        (make, (_SOURCE[:4], _INT_POINTS[:4]), TypeError,
         f"{loss_name} expects floating-point `y_pred` (cast it, e.g. with "
         "keras.ops.cast(x, 'float32')). Received: y_pred of dtype int32"),
        (make, (_SOURCE[:4, 0], _SOURCE[:4, 0]), ValueError,
         f"{loss_name} expects `y_true` of rank >= 2 (a batch of points). "
         "Received: y_true of shape (4,)"),
        (make, (_SOURCE[:4, :2], _SOURCE[:4]), ValueError,
         f"{loss_name} needs points of the same dimension in `y_true` and "
         "`y_pred`. Received: y_true of shape (4, 2) and y_pred of shape "
         "(4, 3)"),
    ]


INVALID_CALLS = {
    "SinkhornDivergence": _point_cases(
        "SinkhornDivergence",
        lambda: kerastricks.losses.SinkhornDivergence(epsilon=0.5)),
    "MongeGap": _point_cases(
        "MongeGap", lambda: kerastricks.losses.MongeGap(epsilon=0.5)),
    "ScaleShiftInvariantLoss": [
        (kerastricks.losses.ScaleShiftInvariantLoss,
         (_DEPTH[:2], _DEPTH_PREDICTION[:2].astype("int32")), TypeError,
         "ScaleShiftInvariantLoss expects floating-point `y_pred` (cast it, "
         "e.g. with keras.ops.cast(x, 'float32')). Received: y_pred of "
         "dtype int32"),
        (kerastricks.losses.ScaleShiftInvariantLoss,
         (_DEPTH[:2, 0], _DEPTH_PREDICTION[:2, 0]), ValueError,
         "ScaleShiftInvariantLoss expects `y_pred` of rank 3 or 4. "
         "Received: y_pred of shape (2, 5) (rank 2)"),
        (kerastricks.losses.ScaleShiftInvariantLoss,
         (_DEPTH[:2, :4], _DEPTH_PREDICTION[:2]), ValueError,
         "ScaleShiftInvariantLoss needs `y_true` and `y_pred` of the same "
         "image shape. Received: y_true of shape (2, 4, 5, 1) and y_pred "
         "of shape (2, 5, 5, 1) (rank 3 gains a channel axis)"),
    ],
}
