"""Stateful Keras metrics (compiled: static shapes, no host round trip)."""

from kerastricks.metrics.fpr_at_95_tpr import FPRAt95TPR
from kerastricks.metrics.oodauroc import OODAUROC

__all__ = ["FPRAt95TPR", "OODAUROC"]
