"""Functional forms: pure functions over `keras.ops`, no state."""

from kerastricks.ops.logit_z_loss import logit_z_loss
from kerastricks.ops.orthograd import orthogonalize_gradient
from kerastricks.ops.radial_projection import remove_radial_component
from kerastricks.ops.stablemax import log_stablemax
from kerastricks.ops.stablemax import stablemax
from kerastricks.ops.stablemax import stablemax_cross_entropy

__all__ = [
    "logit_z_loss",
    "log_stablemax",
    "orthogonalize_gradient",
    "remove_radial_component",
    "stablemax",
    "stablemax_cross_entropy",
]
