from kerastricks.optimizers.adabelief import AdaBelief
from kerastricks.optimizers.adamp import AdamP
from kerastricks.optimizers.adan import Adan
from kerastricks.optimizers.independent_weight_decay import (
    IndependentWeightDecay,
)
from kerastricks.optimizers.lookahead import Lookahead
from kerastricks.optimizers.mu_optimizer import MuOptimizer
from kerastricks.optimizers.noise_adaptive_layerwise_lr import (
    NoiseAdaptiveLayerwiseLR,
)
from kerastricks.optimizers.orthograd import OrthoGrad
from kerastricks.optimizers.radam import RAdam
from kerastricks.optimizers.sgdp import SGDP

__all__ = [
    "AdaBelief",
    "AdamP",
    "Adan",
    "IndependentWeightDecay",
    "Lookahead",
    "MuOptimizer",
    "NoiseAdaptiveLayerwiseLR",
    "OrthoGrad",
    "RAdam",
    "SGDP",
]
