from kerastricks.losses.stablemax_cross_entropy import StableMaxCrossEntropy

__all__ = ["StableMaxCrossEntropy"]
