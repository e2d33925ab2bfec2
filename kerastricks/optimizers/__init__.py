from kerastricks.optimizers.adamp import AdamP
from kerastricks.optimizers.lookahead import Lookahead
from kerastricks.optimizers.orthograd import OrthoGrad
from kerastricks.optimizers.sgdp import SGDP

__all__ = ["AdamP", "Lookahead", "OrthoGrad", "SGDP"]
