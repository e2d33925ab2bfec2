"""Techniques that change the training step (thin `keras.Model` wrappers)
and model builders (functions returning a functional `keras.Model`)."""

from kerastricks.models.adversarial_training import AdversarialTraining
from kerastricks.models.friendly_sam import FriendlySAM
from kerastricks.models.gsam import GSAM
from kerastricks.models.interval_bound_propagation import (
    IntervalBoundPropagation,
)
from kerastricks.models.look_sam import LookSAM
from kerastricks.models.mesa import MESA
from kerastricks.models.poolformer import PoolFormer
from kerastricks.models.random_subspace_model import RandomSubspaceModel
from kerastricks.models.saf import SAF
from kerastricks.models.sam import SAM
from kerastricks.models.scale_long_unet import ScaleLongUNet
from kerastricks.models.soft_equivariance import SoftEquivariance
from kerastricks.models.wavemix import WaveMix

__all__ = [
    "AdversarialTraining",
    "FriendlySAM",
    "GSAM",
    "IntervalBoundPropagation",
    "LookSAM",
    "MESA",
    "PoolFormer",
    "RandomSubspaceModel",
    "SAF",
    "SAM",
    "ScaleLongUNet",
    "SoftEquivariance",
    "WaveMix",
]
