from kerastricks.optimizers.adamp import AdamP
from kerastricks.optimizers.orthograd import OrthoGrad
from kerastricks.optimizers.sgdp import SGDP

__all__ = ["AdamP", "OrthoGrad", "SGDP"]
