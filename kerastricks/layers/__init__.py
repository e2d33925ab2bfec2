from kerastricks.layers.attentional_set_pooling import AttentionalSetPooling
from kerastricks.layers.flora import FLoRA
from kerastricks.layers.frame_averaging import FrameAveraging
from kerastricks.layers.group_generalized_mean_pooling import (
    GroupGeneralizedMeanPooling,
)
from kerastricks.layers.multi_layer_trainable_pooling import (
    MultiLayerTrainablePooling,
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
    "FLoRA",
    "AttentionalSetPooling",
    "MultiLayerTrainablePooling",
    "FrameAveraging",
]
