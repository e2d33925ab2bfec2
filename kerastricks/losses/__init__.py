from kerastricks.losses.logit_z_loss import LogitZLoss
from kerastricks.losses.stablemax_cross_entropy import StableMaxCrossEntropy

__all__ = ["LogitZLoss", "StableMaxCrossEntropy"]
