from kerastricks.losses.accuracy_loss import AccuracyLoss
from kerastricks.losses.any_loss import AnyLoss
from kerastricks.losses.balanced_accuracy_loss import BalancedAccuracyLoss
from kerastricks.losses.contrastive_margin_loss import ContrastiveMarginLoss
from kerastricks.losses.cross_entropy_dice_loss import CrossEntropyDiceLoss
from kerastricks.losses.f_beta_loss import FBetaLoss
from kerastricks.losses.geometric_mean_loss import GeometricMeanLoss
from kerastricks.losses.logit_z_loss import LogitZLoss
from kerastricks.losses.monge_gap import MongeGap
from kerastricks.losses.npairs_loss import NPairsLoss
from kerastricks.losses.nt_xent_loss import NTXentLoss
from kerastricks.losses.pinball_loss import PinballLoss
from kerastricks.losses.scale_shift_invariant_loss import (
    ScaleShiftInvariantLoss,
)
from kerastricks.losses.sinkhorn_divergence import SinkhornDivergence
from kerastricks.losses.sparse_categorical_focal_loss import (
    SparseCategoricalFocalLoss,
)
from kerastricks.losses.stablemax_cross_entropy import StableMaxCrossEntropy
from kerastricks.losses.supervised_contrastive_loss import (
    SupervisedContrastiveLoss,
)
from kerastricks.losses.triplet_hard_loss import TripletHardLoss
from kerastricks.losses.triplet_semi_hard_loss import TripletSemiHardLoss
from kerastricks.losses.z_loss import ZLoss

__all__ = [
    "AccuracyLoss",
    "AnyLoss",
    "BalancedAccuracyLoss",
    "ContrastiveMarginLoss",
    "CrossEntropyDiceLoss",
    "FBetaLoss",
    "GeometricMeanLoss",
    "LogitZLoss",
    "MongeGap",
    "NPairsLoss",
    "NTXentLoss",
    "PinballLoss",
    "ScaleShiftInvariantLoss",
    "SinkhornDivergence",
    "SparseCategoricalFocalLoss",
    "StableMaxCrossEntropy",
    "SupervisedContrastiveLoss",
    "TripletHardLoss",
    "TripletSemiHardLoss",
    "ZLoss",
]
