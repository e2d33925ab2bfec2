from kerastricks.optimizers.adabelief import AdaBelief
from kerastricks.optimizers.adamp import AdamP
from kerastricks.optimizers.adan import Adan
from kerastricks.optimizers.lookahead import Lookahead
from kerastricks.optimizers.orthograd import OrthoGrad
from kerastricks.optimizers.radam import RAdam
from kerastricks.optimizers.sgdp import SGDP

__all__ = ["AdaBelief", "AdamP", "Adan", "Lookahead", "OrthoGrad", "RAdam",
           "SGDP"]

# Noise-adaptive layerwise learning rates and independent weight decay.
from kerastricks.optimizers.independent_weight_decay import (  # noqa: E402
    IndependentWeightDecay,
)
from kerastricks.optimizers.noise_adaptive_layerwise_lr import (  # noqa: E402
    NoiseAdaptiveLayerwiseLR,
)

__all__ += ["IndependentWeightDecay", "NoiseAdaptiveLayerwiseLR"]
