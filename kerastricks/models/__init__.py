"""Techniques that change the training step: thin `keras.Model` wrappers."""

from kerastricks.models.friendly_sam import FriendlySAM
from kerastricks.models.gsam import GSAM
from kerastricks.models.look_sam import LookSAM
from kerastricks.models.mesa import MESA
from kerastricks.models.saf import SAF
from kerastricks.models.sam import SAM

__all__ = ["FriendlySAM", "GSAM", "LookSAM", "MESA", "SAF", "SAM"]

# Model builders: functions returning a functional keras.Model.
from kerastricks.models.poolformer import PoolFormer  # noqa: E402

__all__ += ["PoolFormer"]
