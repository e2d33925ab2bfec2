"""Techniques that change the training step: thin `keras.Model` wrappers."""

from kerastricks.models.mesa import MESA
from kerastricks.models.saf import SAF
from kerastricks.models.sam import SAM

__all__ = ["MESA", "SAF", "SAM"]
