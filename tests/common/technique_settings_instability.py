"""Contract rows of the training-instability toolkit (merged into
`technique_settings.SETTINGS`): the attention-logit / log Z and gradient
RMS callbacks and the LR-sensitivity utilities, with their fuzz ranges."""

import math
import os
import tempfile

import keras
import numpy as np

_NAN = float("nan")
_RNG = np.random.default_rng(31)
_SWEEP_X = _RNG.normal(size=(8, 3)).astype("float32")
_SWEEP_Y = _SWEEP_X.sum(axis=1, keepdims=True)
# Two variants' final losses: capped at 3.0, the second diverged.
_RESULTS = {"learning_rates": [1e-2, 1e-1, 1.0],
            "final_loss": {"a": [2.0, 1.0, _NAN], "b": [1.5, 4.0, 1.0]},
            "lr_sensitivity": {"a": 1.0, "b": 0.8333},
            "initial_loss": 3.0, "metric": "loss"}


def _linear_model(learning_rate):
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(1, kernel_initializer="zeros"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate),
                  loss="mse")
    return model


def _sweep_kwargs():
    return {"build_model": _linear_model, "learning_rates": [0.01, 1e6],
            "train_data": (_SWEEP_X, _SWEEP_Y), "epochs": 5,
            "batch_size": 8}


def _plot_kwargs():
    return {"results": _RESULTS,
            "path": os.path.join(tempfile.mkdtemp(), "sweep.png")}


SETTINGS = {
    "kerastricks.callbacks.InstabilityMonitor": {
        "kind": "callback",
        "init_kwargs": lambda data: {"probe_inputs": data[0]},
        # The shared problem's MLP has no attention layer.
        "expected_log_keys": ("output_log_z",),
    },
    "kerastricks.callbacks.GradientRMSMonitor": {
        "kind": "callback",
        "init_kwargs": lambda data: {"probe_data": data},
        "expected_log_keys": (),
    },
    "kerastricks.utils.lr_sensitivity": {
        "kind": "utility",
        "kwargs": {"final_losses": [2.0, 3.0, _NAN, 7.0], "initial_loss": 5.0},
        # Capped [2, 3, 5, 5] minus the best, 2.
        "expected": (0 + 1 + 3 + 3) / 4,
    },
    "kerastricks.utils.lr_sensitivity_sweep": {
        "kind": "utility",
        "kwargs": _sweep_kwargs,
        # Zero weights predict 0: the initial loss is mean(y**2); the run
        # at 1e6 diverges and counts as that loss.
        "expected": lambda kwargs: [
            float(np.mean(_SWEEP_Y ** 2)), True],
        "observe": lambda results: [
            results["initial_loss"],
            math.isnan(results["final_loss"]["model"][1])],
        "tolerance": (1e-5, 1e-5),  # float32 evaluate vs float64 NumPy
    },
    "kerastricks.utils.plot_lr_sensitivity": {
        "kind": "utility",
        "kwargs": _plot_kwargs,
        "expected": True,
        "observe": lambda path: os.path.getsize(path) > 1000,
    },
}

FUZZ_RANGES = {
    ("InstabilityMonitor", "probe_inputs"): "object",
    ("InstabilityMonitor", "frequency"): "count",
    ("InstabilityMonitor", "unit"): "choice",
    ("InstabilityMonitor", "plot_path"): [1, True],
    ("GradientRMSMonitor", "probe_data"): "object",
    ("GradientRMSMonitor", "loss_fn"): ["abc", 1],
    ("GradientRMSMonitor", "frequency"): "count",
    ("GradientRMSMonitor", "unit"): "choice",
    ("GradientRMSMonitor", "plot_path"): [1, True],
    ("lr_sensitivity", "final_losses"): "object",
    ("lr_sensitivity", "initial_loss"): "real",
    ("lr_sensitivity_sweep", "build_model"): "object",
    ("lr_sensitivity_sweep", "learning_rates"): [
        None, "abc", 1, (), (_NAN,), (True,), (-1.0,)],
    ("lr_sensitivity_sweep", "train_data"): "object",
    ("lr_sensitivity_sweep", "validation_data"): (
        "skip", "whatever fit accepts as validation_data; fit checks it"),
    ("lr_sensitivity_sweep", "variants"): ["abc", 1, {"a": 1}],
    ("lr_sensitivity_sweep", "epochs"): "count",
    ("lr_sensitivity_sweep", "batch_size"): "count",
    ("lr_sensitivity_sweep", "metric"): [1, True],
    ("lr_sensitivity_sweep", "initial_loss"): "optional_real",
    ("lr_sensitivity_sweep", "seed"): [1.5, "abc", True],
    ("lr_sensitivity_sweep", "verbose"): [1.5, "abc", True],
    ("plot_lr_sensitivity", "results"): "object",
    ("plot_lr_sensitivity", "path"): [None, 1, True],
    ("plot_lr_sensitivity", "title"): [1, True],
    ("plot_lr_sensitivity", "ylabel"): [1, True],
}
