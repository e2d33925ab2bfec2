"""Presets of the `grokking` recipe: the three runs of the paper's Figure 1.

Prieto et al., 2025, "Grokking at the Edge of Numerical Stability"
(https://arxiv.org/abs/2501.04697).
"""

grokking_presets = {
    "softmax_ce_adamw": {
        "description": (
            "Baseline: softmax cross-entropy with AdamW and weight decay, "
            "the regularizer grokking usually needs."
        ),
        "hyperparameters": {
            "loss": "softmax_cross_entropy",
            "orthograd": False,
            # The decay of the authors' AdamW baseline (99% validation
            # accuracy in 381 steps, MLP).
            "weight_decay": 1.5,
            # Their command line's `--adam_epsilon`.
            "adamw_epsilon": 1e-25,
        },
    },
    "stablemax_no_wd": {
        "description": (
            "StableMax cross-entropy and no weight decay: no softmax "
            "collapse, so the model can grok without regularization (slow)."
        ),
        "hyperparameters": {
            "loss": "stablemax_cross_entropy",
            "orthograd": False,
            "weight_decay": 0.0,
            # Figure 1 of the authors' scripts: --beta2 0.999 and their
            # `--adam_epsilon` 1e-25.
            "adamw_beta_2": 0.999,
            "adamw_epsilon": 1e-25,
        },
    },
    "orthograd": {
        "description": (
            "⊥AdamW: softmax cross-entropy, no weight decay, gradients made "
            "orthogonal to the weights (the paper's fastest grokking)."
        ),
        "hyperparameters": {
            "loss": "softmax_cross_entropy",
            "orthograd": True,
            "weight_decay": 0.0,
            # The authors' ⊥AdamW steps with the inner AdamW's own
            # defaults, betas (0.9, 0.999) and eps 1e-8, whatever the
            # command line says: their runner builds
            # `OrthoGrad(params, type(base), lr=..., weight_decay=...)` and
            # then loads the plain optimizer's state into the wrapper
            # (grokking-at-the-edge-of-numerical-stability, `orthograd.py`
            # and its training script).
            "adamw_beta_2": 0.999,
        },
    },
    "softmax_ce_no_wd": {
        "description": (
            "Control: softmax cross-entropy, plain AdamW and no weight "
            "decay. It fits the training set and never generalizes: softmax "
            "collapse stops the gradient (the authors' run: 2% test "
            "accuracy after 52k steps)."
        ),
        "hyperparameters": {
            "loss": "softmax_cross_entropy",
            "orthograd": False,
            "weight_decay": 0.0,
            "adamw_epsilon": 1e-25,
        },
    },
    "orthograd_sgd_stablemax_float64": {
        "description": (
            "⊥SGD + StableMax in float64: the paper's run that groks "
            "without weight decay in about 400 steps (needs float64: under "
            "JAX set JAX_ENABLE_X64=1)."
        ),
        "hyperparameters": {
            "loss": "stablemax_cross_entropy",
            "orthograd": True,
            "optimizer": "sgd",
            "sgd_learning_rate": 10.0,
            # The inner SGD of the authors' ⊥ wrapper keeps its momentum
            # 0.8, whatever their command line sets.
            "sgd_momentum": 0.8,
            "precision": "float64",
        },
    },
}
