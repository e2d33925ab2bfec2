from kerastricks.layers.binary_conv2d import BinaryConv2D
from kerastricks.layers.binary_dense import BinaryDense
from kerastricks.layers.group_generalized_mean_pooling import (
    GroupGeneralizedMeanPooling,
)
from kerastricks.layers.learned_temperature_head import LearnedTemperatureHead
from kerastricks.layers.parallel_shallow_block import ParallelShallowBlock
from kerastricks.layers.qk_norm_multi_head_attention import (
    QKNormMultiHeadAttention,
)
from kerastricks.layers.scaled_long_skip import ScaledLongSkip
from kerastricks.layers.sparse_moe import SparseMoE
from kerastricks.layers.spatial_pyramid_pooling2d import SpatialPyramidPooling2D
from kerastricks.layers.tract import TrAct
from kerastricks.layers.weight_normalization import WeightNormalization

__all__ = [
    "GroupGeneralizedMeanPooling",
    "QKNormMultiHeadAttention",
    "SpatialPyramidPooling2D",
    "TrAct",
    "WeightNormalization",
    "LearnedTemperatureHead",
    "BinaryConv2D",
    "BinaryDense",
    # mixture of experts and skip-connection layers
    "SparseMoE",
    "ScaledLongSkip",
    "ParallelShallowBlock",
]
