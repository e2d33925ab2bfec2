from kerastricks.layers.group_generalized_mean_pooling import (
    GroupGeneralizedMeanPooling,
)
from kerastricks.layers.qk_norm_multi_head_attention import (
    QKNormMultiHeadAttention,
)
from kerastricks.layers.spatial_pyramid_pooling2d import SpatialPyramidPooling2D
from kerastricks.layers.tract import TrAct
from kerastricks.layers.weight_normalization import WeightNormalization

__all__ = [
    "GroupGeneralizedMeanPooling",
    "QKNormMultiHeadAttention",
    "SpatialPyramidPooling2D",
    "TrAct",
    "WeightNormalization",
]

# Sequence layers: linear recurrences and state-space models.
from kerastricks.layers.gated_linear_recurrence import GatedLinearRecurrence
from kerastricks.layers.s4d import S4D

__all__ += [
    "GatedLinearRecurrence",
    "S4D",
]
