from kerastricks.optimizers.adabelief import AdaBelief
from kerastricks.optimizers.adamp import AdamP
from kerastricks.optimizers.adan import Adan
from kerastricks.optimizers.lookahead import Lookahead
from kerastricks.optimizers.orthograd import OrthoGrad
from kerastricks.optimizers.radam import RAdam
from kerastricks.optimizers.sgdp import SGDP

__all__ = ["AdaBelief", "AdamP", "Adan", "Lookahead", "OrthoGrad", "RAdam",
           "SGDP"]

# µP
from kerastricks.optimizers.mu_optimizer import MuOptimizer

__all__ += ["MuOptimizer"]
