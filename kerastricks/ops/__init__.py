"""Functional forms: pure functions over `keras.ops`, no state."""

from kerastricks.ops.any_loss import amplify
from kerastricks.ops.any_loss import soft_confusion_matrix
from kerastricks.ops.contrastive import nt_xent_loss
from kerastricks.ops.contrastive import supervised_contrastive_loss
from kerastricks.ops.cross_entropy_dice import soft_dice_loss
from kerastricks.ops.cross_entropy_dice import (
    weighted_categorical_cross_entropy,
)
from kerastricks.ops.data_pruning import el2n
from kerastricks.ops.data_pruning import grand
from kerastricks.ops.data_pruning import kmeans
from kerastricks.ops.data_pruning import prototype_distance
from kerastricks.ops.fisher_merge import class_probabilities
from kerastricks.ops.fisher_merge import fisher_weighted_average
from kerastricks.ops.fisher_merge import negative_log_likelihood
from kerastricks.ops.focal import sparse_categorical_focal_loss
from kerastricks.ops.generalized_mean import generalized_mean
from kerastricks.ops.generalized_mean import group_generalized_mean_pooling
from kerastricks.ops.learning_rate_schedules import cyclical_learning_rate
from kerastricks.ops.learning_rate_schedules import one_cycle_learning_rate
from kerastricks.ops.learning_rate_schedules import warmup_stable_decay
from kerastricks.ops.logit_z_loss import logit_z_loss
from kerastricks.ops.lookahead import lookahead_update
from kerastricks.ops.metric_learning import contrastive_margin_loss
from kerastricks.ops.metric_learning import npairs_loss
from kerastricks.ops.metric_learning import pairwise_distance
from kerastricks.ops.metric_learning import triplet_hard_loss
from kerastricks.ops.metric_learning import triplet_semihard_loss
from kerastricks.ops.opposing_signals import opposing_signals
from kerastricks.ops.orthograd import orthogonalize_gradient
from kerastricks.ops.pinball import pinball_loss
from kerastricks.ops.radial_projection import remove_radial_component
from kerastricks.ops.rectification import variance_rectification
from kerastricks.ops.sharpness_aware import orthogonal_component
from kerastricks.ops.sharpness_aware import sharpness_aware_perturbation
from kerastricks.ops.sharpness_aware import surrogate_gap_gradient
from kerastricks.ops.softmax_collapse import softmax_collapse
from kerastricks.ops.spatial_pyramid_pooling import spatial_pyramid_pooling
from kerastricks.ops.stablemax import log_stablemax
from kerastricks.ops.stablemax import stablemax
from kerastricks.ops.stablemax import stablemax_cross_entropy
from kerastricks.ops.stochastic_weight_averaging import swa_cyclic_learning_rate
from kerastricks.ops.stochastic_weight_averaging import swa_running_average
from kerastricks.ops.tract import conv2d_patches
from kerastricks.ops.tract import tract_conv2d
from kerastricks.ops.tract import tract_dense
from kerastricks.ops.tract import tract_kernel_gradient
from kerastricks.ops.trajectory_loss import trajectory_loss
from kerastricks.ops.weight_normalization import weight_normalization_data_init
from kerastricks.ops.weight_normalization import weight_normalize
from kerastricks.ops.z_loss import z_loss

__all__ = [
    "amplify",
    "soft_confusion_matrix",
    "soft_dice_loss",
    "conv2d_patches",
    "class_probabilities",
    "el2n",
    "fisher_weighted_average",
    "generalized_mean",
    "grand",
    "group_generalized_mean_pooling",
    "kmeans",
    "logit_z_loss",
    "lookahead_update",
    "negative_log_likelihood",
    "nt_xent_loss",
    "log_stablemax",
    "opposing_signals",
    "orthogonal_component",
    "orthogonalize_gradient",
    "prototype_distance",
    "remove_radial_component",
    "sharpness_aware_perturbation",
    "softmax_collapse",
    "spatial_pyramid_pooling",
    "stablemax",
    "stablemax_cross_entropy",
    "supervised_contrastive_loss",
    "surrogate_gap_gradient",
    "swa_cyclic_learning_rate",
    "swa_running_average",
    "trajectory_loss",
    "variance_rectification",
    "tract_conv2d",
    "tract_dense",
    "tract_kernel_gradient",
    "weight_normalization_data_init",
    "weight_normalize",
    "weighted_categorical_cross_entropy",
    "z_loss",
    "sparse_categorical_focal_loss",
    "contrastive_margin_loss",
    "npairs_loss",
    "pairwise_distance",
    "triplet_hard_loss",
    "triplet_semihard_loss",
    "pinball_loss",
    "cyclical_learning_rate",
    "one_cycle_learning_rate",
    "warmup_stable_decay",
]

# Sequence layers: linear recurrences and state-space models.
from kerastricks.ops.linear_scan import linear_recurrence
from kerastricks.ops.linear_scan import sequential_linear_recurrence
from kerastricks.ops.linear_scan import transition_gate
from kerastricks.ops.s4d import causal_fft_convolution
from kerastricks.ops.s4d import hippo_legs_matrix
from kerastricks.ops.s4d import s4d_convolution
from kerastricks.ops.s4d import s4d_eigenvalues
from kerastricks.ops.s4d import s4d_kernel
from kerastricks.ops.s4d import s4d_recurrence

__all__ += [
    "linear_recurrence",
    "sequential_linear_recurrence",
    "transition_gate",
    "causal_fft_convolution",
    "hippo_legs_matrix",
    "s4d_convolution",
    "s4d_eigenvalues",
    "s4d_kernel",
    "s4d_recurrence",
]
