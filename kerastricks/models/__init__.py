"""Techniques that change the training step: thin `keras.Model` wrappers."""

from kerastricks.models.adversarial_training import AdversarialTraining
from kerastricks.models.friendly_sam import FriendlySAM
from kerastricks.models.gsam import GSAM
from kerastricks.models.look_sam import LookSAM
from kerastricks.models.mesa import MESA
from kerastricks.models.saf import SAF
from kerastricks.models.sam import SAM
from kerastricks.models.scale_long_unet import ScaleLongUNet

__all__ = ["FriendlySAM", "GSAM", "LookSAM", "MESA", "SAF", "SAM",
           "AdversarialTraining"]
__all__ = [
    "FriendlySAM", "GSAM", "LookSAM", "MESA", "SAF", "SAM",
    # model builders
    "ScaleLongUNet",
]
from kerastricks.models.wavemix import WaveMix

__all__ = ["FriendlySAM", "GSAM", "LookSAM", "MESA", "SAF", "SAM"]
# Model builders.
__all__ += ["WaveMix"]

# Certified training.
from kerastricks.models.interval_bound_propagation import (
    IntervalBoundPropagation,
)

__all__ += ["IntervalBoundPropagation"]

# Model builders: functions returning a functional keras.Model.
from kerastricks.models.poolformer import PoolFormer  # noqa: E402

__all__ += ["PoolFormer"]
