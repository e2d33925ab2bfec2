"""Functional forms: pure functions over `keras.ops`, no state."""

from kerastricks.ops.abet import abet_score
from kerastricks.ops.abet import temperature_scaled_logits
from kerastricks.ops.adversarial import adversarial_examples
from kerastricks.ops.any_loss import amplify
from kerastricks.ops.any_loss import soft_confusion_matrix
from kerastricks.ops.binary_estimators import approx_sign
from kerastricks.ops.binary_estimators import binarize
from kerastricks.ops.binary_estimators import biper_quantization_error
from kerastricks.ops.binary_estimators import biper_sign
from kerastricks.ops.binary_estimators import reste_sign
from kerastricks.ops.binary_estimators import ste_sign
from kerastricks.ops.attentional_set_pooling import attentional_set_pooling
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
from kerastricks.ops.moment_probing import adjacent_head_cross_covariance
from kerastricks.ops.multi_layer_trainable_pooling import latent_cross_attention
from kerastricks.ops.opposing_signals import opposing_signals
from kerastricks.ops.orthograd import orthogonalize_gradient
from kerastricks.ops.parallel_shallow import parallel_shallow_block
from kerastricks.ops.pinball import pinball_loss
from kerastricks.ops.radial_projection import remove_radial_component
from kerastricks.ops.rectification import variance_rectification
from kerastricks.ops.roc_histogram import auroc
from kerastricks.ops.roc_histogram import fpr_at_tpr
from kerastricks.ops.scaled_long_skip import constant_skip_scaling
from kerastricks.ops.scaled_long_skip import learnable_skip_scaling
from kerastricks.ops.sharpness_aware import orthogonal_component
from kerastricks.ops.sharpness_aware import sharpness_aware_perturbation
from kerastricks.ops.sharpness_aware import surrogate_gap_gradient
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
    "abet_score",
    "temperature_scaled_logits",
    "adversarial_examples",
    "auroc",
    "fpr_at_tpr",
    "approx_sign",
    "binarize",
    "biper_quantization_error",
    "biper_sign",
    "reste_sign",
    "ste_sign",
    # sparse mixture of experts
    "dispatch_and_combine",
    "expert_capacity",
    "load_balancing_loss",
    "sparse_moe",
    "top_k_gating",
    # scaled long skip connections
    "constant_skip_scaling",
    "learnable_skip_scaling",
    # parallel shallow blocks
    "parallel_shallow_block",
    # Wavelet mixing, moment probing and rotation-view pooling.
    "haar_dwt2d",
    "inverse_haar_dwt2d",
    "adjacent_head_cross_covariance",
    "dihedral_views",
    "rotation_view_average",
    "flora_delta",
    "attentional_set_pooling",
    "latent_cross_attention",
    "pca_frames",
]

# Optimal transport; dense regression up to scale and shift; interval
# bound propagation.
from kerastricks.ops.interval_bounds import interval_conv
from kerastricks.ops.interval_bounds import interval_dense
from kerastricks.ops.interval_bounds import interval_scale_shift
from kerastricks.ops.interval_bounds import ramp_fraction
from kerastricks.ops.interval_bounds import worst_case_logits
from kerastricks.ops.optimal_transport import monge_gap
from kerastricks.ops.optimal_transport import sinkhorn_cost
from kerastricks.ops.optimal_transport import sinkhorn_divergence
from kerastricks.ops.scale_shift_invariant import scale_shift_alignment
from kerastricks.ops.scale_shift_invariant import scale_shift_invariant_loss

__all__ += [
    "monge_gap",
    "sinkhorn_cost",
    "sinkhorn_divergence",
    "scale_shift_alignment",
    "scale_shift_invariant_loss",
    "interval_conv",
    "interval_dense",
    "interval_scale_shift",
    "ramp_fraction",
    "worst_case_logits",
]

# MetaFormer / PoolFormer.
from kerastricks.ops.metaformer import pooling_token_mixer  # noqa: E402
from kerastricks.ops.metaformer import stochastic_depth  # noqa: E402

__all__ += ["pooling_token_mixer", "stochastic_depth"]

# PoNet.
from kerastricks.ops.ponet import local_max_pooling  # noqa: E402
from kerastricks.ops.ponet import ponet_token_mixing  # noqa: E402
from kerastricks.ops.ponet import segment_max_pooling  # noqa: E402

__all__ += ["local_max_pooling", "ponet_token_mixing", "segment_max_pooling"]
