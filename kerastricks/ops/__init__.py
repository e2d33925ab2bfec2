"""Functional forms: pure functions over `keras.ops`, no state."""

from kerastricks.ops.abet import abet_score
from kerastricks.ops.abet import temperature_scaled_logits
from kerastricks.ops.adversarial import adversarial_examples
from kerastricks.ops.any_loss import amplify
from kerastricks.ops.any_loss import soft_confusion_matrix
from kerastricks.ops.attentional_set_pooling import attentional_set_pooling
from kerastricks.ops.binary_estimators import approx_sign
from kerastricks.ops.binary_estimators import binarize
from kerastricks.ops.binary_estimators import biper_quantization_error
from kerastricks.ops.binary_estimators import biper_sign
from kerastricks.ops.binary_estimators import reste_sign
from kerastricks.ops.binary_estimators import ste_sign
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
from kerastricks.ops.dihedral import dihedral_views
from kerastricks.ops.dihedral import rotation_view_average
from kerastricks.ops.fisher_merge import class_probabilities
from kerastricks.ops.fisher_merge import fisher_weighted_average
from kerastricks.ops.fisher_merge import negative_log_likelihood
from kerastricks.ops.flora import flora_delta
from kerastricks.ops.focal import sparse_categorical_focal_loss
from kerastricks.ops.frame_averaging import pca_frames
from kerastricks.ops.generalized_mean import generalized_mean
from kerastricks.ops.generalized_mean import group_generalized_mean_pooling
from kerastricks.ops.haar_wavelet import haar_dwt2d
from kerastricks.ops.haar_wavelet import inverse_haar_dwt2d
from kerastricks.ops.independent_weight_decay import independent_weight_decay
from kerastricks.ops.interval_bounds import interval_conv
from kerastricks.ops.interval_bounds import interval_dense
from kerastricks.ops.interval_bounds import interval_scale_shift
from kerastricks.ops.interval_bounds import ramp_fraction
from kerastricks.ops.interval_bounds import worst_case_logits
from kerastricks.ops.learning_rate_schedules import cyclical_learning_rate
from kerastricks.ops.learning_rate_schedules import one_cycle_learning_rate
from kerastricks.ops.learning_rate_schedules import warmup_stable_decay
from kerastricks.ops.linear_scan import linear_recurrence
from kerastricks.ops.linear_scan import sequential_linear_recurrence
from kerastricks.ops.linear_scan import transition_gate
from kerastricks.ops.logit_z_loss import logit_z_loss
from kerastricks.ops.lookahead import lookahead_update
from kerastricks.ops.metaformer import pooling_token_mixer
from kerastricks.ops.metaformer import stochastic_depth
from kerastricks.ops.metric_learning import contrastive_margin_loss
from kerastricks.ops.metric_learning import npairs_loss
from kerastricks.ops.metric_learning import pairwise_distance
from kerastricks.ops.metric_learning import triplet_hard_loss
from kerastricks.ops.metric_learning import triplet_semihard_loss
from kerastricks.ops.moment_probing import adjacent_head_cross_covariance
from kerastricks.ops.multi_layer_trainable_pooling import latent_cross_attention
from kerastricks.ops.mup import activation_change_rms
from kerastricks.ops.mup import mup_attention_scale
from kerastricks.ops.mup import mup_learning_rate_multiplier
from kerastricks.ops.mup import mup_readout
from kerastricks.ops.mup import mup_role
from kerastricks.ops.mup import scale_update
from kerastricks.ops.noise_adaptive_layerwise import muon_dual_norm
from kerastricks.ops.noise_adaptive_layerwise import noise_adaptive_multipliers
from kerastricks.ops.noise_adaptive_layerwise import nuclear_norm
from kerastricks.ops.noise_adaptive_layerwise import update_noise_estimate
from kerastricks.ops.opposing_signals import opposing_signals
from kerastricks.ops.optimal_transport import monge_gap
from kerastricks.ops.optimal_transport import sinkhorn_cost
from kerastricks.ops.optimal_transport import sinkhorn_divergence
from kerastricks.ops.orthograd import orthogonalize_gradient
from kerastricks.ops.parallel_shallow import parallel_shallow_block
from kerastricks.ops.pinball import pinball_loss
from kerastricks.ops.ponet import local_max_pooling
from kerastricks.ops.ponet import ponet_token_mixing
from kerastricks.ops.ponet import segment_max_pooling
from kerastricks.ops.radial_projection import remove_radial_component
from kerastricks.ops.random_subspace import dense_projection
from kerastricks.ops.random_subspace import fastfood_projection
from kerastricks.ops.random_subspace import sparse_projection
from kerastricks.ops.rectification import variance_rectification
from kerastricks.ops.roc_histogram import auroc
from kerastricks.ops.roc_histogram import fpr_at_tpr
from kerastricks.ops.s4d import causal_fft_convolution
from kerastricks.ops.s4d import hippo_legs_matrix
from kerastricks.ops.s4d import s4d_convolution
from kerastricks.ops.s4d import s4d_eigenvalues
from kerastricks.ops.s4d import s4d_kernel
from kerastricks.ops.s4d import s4d_recurrence
from kerastricks.ops.scale_shift_invariant import scale_shift_alignment
from kerastricks.ops.scale_shift_invariant import scale_shift_invariant_loss
from kerastricks.ops.scaled_long_skip import constant_skip_scaling
from kerastricks.ops.scaled_long_skip import learnable_skip_scaling
from kerastricks.ops.sharpness_aware import orthogonal_component
from kerastricks.ops.sharpness_aware import sharpness_aware_perturbation
from kerastricks.ops.sharpness_aware import surrogate_gap_gradient
from kerastricks.ops.soft_equivariance import equivariance_penalty
from kerastricks.ops.softmax_collapse import softmax_collapse
from kerastricks.ops.sparse_moe import dispatch_and_combine
from kerastricks.ops.sparse_moe import expert_capacity
from kerastricks.ops.sparse_moe import load_balancing_loss
from kerastricks.ops.sparse_moe import sparse_moe
from kerastricks.ops.sparse_moe import top_k_gating
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
from kerastricks.ops.training_instability import attention_logits
from kerastricks.ops.training_instability import max_abs_attention_logit
from kerastricks.ops.training_instability import mean_log_partition
from kerastricks.ops.training_instability import root_mean_square
from kerastricks.ops.trajectory_loss import trajectory_loss
from kerastricks.ops.walsh_hadamard import fast_walsh_hadamard_transform
from kerastricks.ops.weight_normalization import weight_normalization_data_init
from kerastricks.ops.weight_normalization import weight_normalize
from kerastricks.ops.weight_pruning import classify_pruning_regime
from kerastricks.ops.weight_pruning import interpolation_barrier_height
from kerastricks.ops.weight_pruning import linear_cka
from kerastricks.ops.weight_pruning import magnitude_pruning_mask
from kerastricks.ops.weight_pruning import mode_connectivity
from kerastricks.ops.weight_pruning import per_class_false_negatives
from kerastricks.ops.weight_pruning import per_class_recall
from kerastricks.ops.weight_pruning import weight_pruning_scores
from kerastricks.ops.z_loss import z_loss

__all__ = [
    "abet_score",
    "activation_change_rms",
    "adjacent_head_cross_covariance",
    "adversarial_examples",
    "amplify",
    "approx_sign",
    "attention_logits",
    "attentional_set_pooling",
    "auroc",
    "binarize",
    "biper_quantization_error",
    "biper_sign",
    "causal_fft_convolution",
    "class_probabilities",
    "classify_pruning_regime",
    "constant_skip_scaling",
    "contrastive_margin_loss",
    "conv2d_patches",
    "cyclical_learning_rate",
    "dense_projection",
    "dihedral_views",
    "dispatch_and_combine",
    "el2n",
    "equivariance_penalty",
    "expert_capacity",
    "fast_walsh_hadamard_transform",
    "fastfood_projection",
    "fisher_weighted_average",
    "flora_delta",
    "fpr_at_tpr",
    "generalized_mean",
    "grand",
    "group_generalized_mean_pooling",
    "haar_dwt2d",
    "hippo_legs_matrix",
    "independent_weight_decay",
    "interpolation_barrier_height",
    "interval_conv",
    "interval_dense",
    "interval_scale_shift",
    "inverse_haar_dwt2d",
    "kmeans",
    "latent_cross_attention",
    "learnable_skip_scaling",
    "linear_cka",
    "linear_recurrence",
    "load_balancing_loss",
    "local_max_pooling",
    "log_stablemax",
    "logit_z_loss",
    "lookahead_update",
    "magnitude_pruning_mask",
    "max_abs_attention_logit",
    "mean_log_partition",
    "mode_connectivity",
    "monge_gap",
    "muon_dual_norm",
    "mup_attention_scale",
    "mup_learning_rate_multiplier",
    "mup_readout",
    "mup_role",
    "negative_log_likelihood",
    "noise_adaptive_multipliers",
    "npairs_loss",
    "nt_xent_loss",
    "nuclear_norm",
    "one_cycle_learning_rate",
    "opposing_signals",
    "orthogonal_component",
    "orthogonalize_gradient",
    "pairwise_distance",
    "parallel_shallow_block",
    "pca_frames",
    "per_class_false_negatives",
    "per_class_recall",
    "pinball_loss",
    "ponet_token_mixing",
    "pooling_token_mixer",
    "prototype_distance",
    "ramp_fraction",
    "remove_radial_component",
    "reste_sign",
    "root_mean_square",
    "rotation_view_average",
    "s4d_convolution",
    "s4d_eigenvalues",
    "s4d_kernel",
    "s4d_recurrence",
    "scale_shift_alignment",
    "scale_shift_invariant_loss",
    "scale_update",
    "segment_max_pooling",
    "sequential_linear_recurrence",
    "sharpness_aware_perturbation",
    "sinkhorn_cost",
    "sinkhorn_divergence",
    "soft_confusion_matrix",
    "soft_dice_loss",
    "softmax_collapse",
    "sparse_categorical_focal_loss",
    "sparse_moe",
    "sparse_projection",
    "spatial_pyramid_pooling",
    "stablemax",
    "stablemax_cross_entropy",
    "ste_sign",
    "stochastic_depth",
    "supervised_contrastive_loss",
    "surrogate_gap_gradient",
    "swa_cyclic_learning_rate",
    "swa_running_average",
    "temperature_scaled_logits",
    "top_k_gating",
    "tract_conv2d",
    "tract_dense",
    "tract_kernel_gradient",
    "trajectory_loss",
    "transition_gate",
    "triplet_hard_loss",
    "triplet_semihard_loss",
    "update_noise_estimate",
    "variance_rectification",
    "warmup_stable_decay",
    "weight_normalization_data_init",
    "weight_normalize",
    "weight_pruning_scores",
    "weighted_categorical_cross_entropy",
    "worst_case_logits",
    "z_loss",
]
