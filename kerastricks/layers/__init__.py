from kerastricks.layers.group_generalized_mean_pooling import (
    GroupGeneralizedMeanPooling,
)
from kerastricks.layers.haar_dwt2d import HaarDWT2D
from kerastricks.layers.inverse_haar_dwt2d import InverseHaarDWT2D
from kerastricks.layers.moment_probing_head import MomentProbingHead
from kerastricks.layers.qk_norm_multi_head_attention import (
    QKNormMultiHeadAttention,
)
from kerastricks.layers.rotation_view_pooling import RotationViewPooling
from kerastricks.layers.spatial_pyramid_pooling2d import SpatialPyramidPooling2D
from kerastricks.layers.tract import TrAct
from kerastricks.layers.wavemix_block import WaveMixBlock
from kerastricks.layers.weight_normalization import WeightNormalization

__all__ = [
    "GroupGeneralizedMeanPooling",
    "QKNormMultiHeadAttention",
    "SpatialPyramidPooling2D",
    "TrAct",
    "WeightNormalization",
    # Wavelet mixing, moment probing and rotation-view pooling.
    "HaarDWT2D",
    "InverseHaarDWT2D",
    "WaveMixBlock",
    "MomentProbingHead",
    "RotationViewPooling",
]
