"""Contract rows of the losses and learning-rate schedules that replace
tensorflow-addons' (merged into `technique_settings.SETTINGS`)."""

import numpy as np

import kerastricks
from tests.references import schedules as schedule_reference
from tests.references import tfa_losses as loss_reference

_RNG = np.random.default_rng(17)
# Three labels over eight examples, so that every anchor has positives and
# negatives; distances between random embeddings have no ties, so the
# mining (and the gradient) is the same at the central-difference points.
_LABELS = np.array([0, 1, 0, 2, 1, 2, 0, 1])
_EMBEDDINGS = _RNG.normal(size=(8, 4)).astype("float32")
_PAIR_LABELS = _RNG.integers(0, 2, size=(8, 1)).astype("float32")
_DISTANCES = _RNG.uniform(0.1, 1.9, size=(8, 1)).astype("float32")
# N-pairs reads a square (batch, batch) similarity matrix, so its example
# batch is the compiled-step test's batch of 4.
_NPAIRS_LABELS = np.array([0, 1, 2, 1])
_SIMILARITIES = _RNG.normal(size=(4, 4)).astype("float32")
_CLASS_IDS = _RNG.integers(0, 5, size=6)
_LOGITS = _RNG.normal(scale=2.0, size=(6, 5)).astype("float32")
_ALPHA = [0.25, 1.0, 2.0, 1.0, 0.5]
_QUANTILES = [0.1, 0.5, 0.9]
_TARGETS = _RNG.normal(size=(6, 1)).astype("float32")
_QUANTILE_PREDICTIONS = _RNG.normal(size=(6, 3)).astype("float32")
# The distances of float32 embeddings come from a Gram matrix
# (|a|^2 + |b|^2 - 2 a.b, as tensorflow-addons), which loses about 1e-6 of
# relative precision against the float64 reference's direct differences.
_DISTANCE_TOLERANCE = (1e-5, 1e-5)


def _semihard_reference(y_true, y_pred, sample_weight=None):
    return loss_reference.np_triplet_semihard(y_true, y_pred,
                                              sample_weight=sample_weight)


SETTINGS = {
    # ----------------------------------------------------------------- losses
    "kerastricks.losses.TripletSemiHardLoss": {
        "kind": "loss", "init_kwargs": {"margin": 1.0}, "fn": None,
        "reference": _semihard_reference, "batch_level": True,
        "y_true": _LABELS, "y_pred": _EMBEDDINGS,
        "output_activation": None, "tolerance": _DISTANCE_TOLERANCE,
    },
    "kerastricks.losses.TripletHardLoss": {
        "kind": "loss", "init_kwargs": {"margin": 1.0},
        "fn": kerastricks.ops.triplet_hard_loss,
        "reference": loss_reference.np_triplet_hard,
        "y_true": _LABELS, "y_pred": _EMBEDDINGS,
        "output_activation": None, "tolerance": _DISTANCE_TOLERANCE,
    },
    "kerastricks.losses.ContrastiveMarginLoss": {
        "kind": "loss", "init_kwargs": {"margin": 1.0},
        "fn": kerastricks.ops.contrastive_margin_loss,
        "reference": loss_reference.np_contrastive,
        "y_true": _PAIR_LABELS, "y_pred": _DISTANCES,
        "output_activation": "softplus",
    },
    "kerastricks.losses.NPairsLoss": {
        "kind": "loss", "init_kwargs": {},
        "fn": kerastricks.ops.npairs_loss,
        "reference": loss_reference.np_npairs,
        "y_true": _NPAIRS_LABELS, "y_pred": _SIMILARITIES,
        "output_activation": None,
    },
    "kerastricks.losses.SparseCategoricalFocalLoss": {
        "kind": "loss",
        "init_kwargs": {"gamma": 2.0, "alpha": _ALPHA, "from_logits": True},
        "fn": lambda y, p: kerastricks.ops.sparse_categorical_focal_loss(
            y, p, gamma=2.0, alpha=_ALPHA, from_logits=True),
        "reference": lambda y, p: loss_reference.np_sparse_focal(
            y, p, gamma=2.0, alpha=_ALPHA),
        "y_true": _CLASS_IDS, "y_pred": _LOGITS,
        "extreme_y_pred": (np.array([0, 2]), np.array(
            [[1e4, 0.0, -1e4, 0.0, 0.0], [0.5, 0.1, 3.0, 0.0, -2.0]],
            "float32")),
        "output_activation": None,
    },
    "kerastricks.losses.PinballLoss": {
        "kind": "loss", "init_kwargs": {"tau": _QUANTILES},
        "fn": lambda y, p: kerastricks.ops.pinball_loss(y, p, _QUANTILES),
        "reference": lambda y, p: loss_reference.np_pinball(y, p,
                                                            _QUANTILES),
        "y_true": _TARGETS, "y_pred": _QUANTILE_PREDICTIONS,
        "output_activation": None,
    },
    # -------------------------------------------------------------- schedules
    "kerastricks.schedules.CyclicalLearningRate": {
        "kind": "schedule",
        "init_kwargs": {"initial_learning_rate": 1e-3,
                        "maximal_learning_rate": 0.1, "step_size": 3,
                        "mode": "triangular2"},
        "reference": lambda steps: schedule_reference.np_cyclical(
            steps, 1e-3, 0.1, 3, mode="triangular2"),
        "steps": np.arange(20),
    },
    "kerastricks.schedules.OneCycleLearningRate": {
        "kind": "schedule",
        "init_kwargs": {"maximal_learning_rate": 0.1, "total_steps": 20,
                        "three_phase": True},
        "reference": lambda steps: schedule_reference.np_one_cycle(
            steps, 0.1, 20, three_phase=True),
        "steps": np.arange(24),   # past the end: the final rate holds
    },
    "kerastricks.schedules.WarmupStableDecay": {
        "kind": "schedule",
        "init_kwargs": {"peak_learning_rate": 0.01, "warmup_steps": 3,
                        "stable_steps": 4, "decay_steps": 5,
                        "final_learning_rate": 1e-4,
                        "decay_shape": "cosine"},
        "reference": lambda steps: schedule_reference.np_warmup_stable_decay(
            steps, 0.01, 3, 4, 5, final=1e-4, decay_shape="cosine"),
        "steps": np.arange(15),
    },
}
