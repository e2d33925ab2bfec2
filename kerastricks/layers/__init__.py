from kerastricks.layers.attentional_set_pooling import AttentionalSetPooling
from kerastricks.layers.binary_conv2d import BinaryConv2D
from kerastricks.layers.binary_dense import BinaryDense
from kerastricks.layers.flora import FLoRA
from kerastricks.layers.frame_averaging import FrameAveraging
from kerastricks.layers.gated_linear_recurrence import GatedLinearRecurrence
from kerastricks.layers.group_generalized_mean_pooling import (
    GroupGeneralizedMeanPooling,
)
from kerastricks.layers.haar_dwt2d import HaarDWT2D
from kerastricks.layers.inverse_haar_dwt2d import InverseHaarDWT2D
from kerastricks.layers.learned_temperature_head import LearnedTemperatureHead
from kerastricks.layers.metaformer_block import MetaFormerBlock
from kerastricks.layers.moment_probing_head import MomentProbingHead
from kerastricks.layers.mu_multi_head_attention import MuMultiHeadAttention
from kerastricks.layers.mu_readout import MuReadout
from kerastricks.layers.multi_layer_trainable_pooling import (
    MultiLayerTrainablePooling,
)
from kerastricks.layers.parallel_shallow_block import ParallelShallowBlock
from kerastricks.layers.partially_shared_recalibration import (
    PartiallySharedRecalibration,
)
from kerastricks.layers.ponet_token_mixer import PoNetTokenMixer
from kerastricks.layers.pooling_token_mixer import PoolingTokenMixer
from kerastricks.layers.pruned_dense import PrunedDense
from kerastricks.layers.qk_norm_multi_head_attention import (
    QKNormMultiHeadAttention,
)
from kerastricks.layers.rotation_view_pooling import RotationViewPooling
from kerastricks.layers.s4d import S4D
from kerastricks.layers.scaled_long_skip import ScaledLongSkip
from kerastricks.layers.sparse_moe import SparseMoE
from kerastricks.layers.spatial_pyramid_pooling2d import SpatialPyramidPooling2D
from kerastricks.layers.tract import TrAct
from kerastricks.layers.wavemix_block import WaveMixBlock
from kerastricks.layers.weight_normalization import WeightNormalization

__all__ = [
    "AttentionalSetPooling",
    "BinaryConv2D",
    "BinaryDense",
    "FLoRA",
    "FrameAveraging",
    "GatedLinearRecurrence",
    "GroupGeneralizedMeanPooling",
    "HaarDWT2D",
    "InverseHaarDWT2D",
    "LearnedTemperatureHead",
    "MetaFormerBlock",
    "MomentProbingHead",
    "MultiLayerTrainablePooling",
    "MuMultiHeadAttention",
    "MuReadout",
    "ParallelShallowBlock",
    "PartiallySharedRecalibration",
    "PoNetTokenMixer",
    "PoolingTokenMixer",
    "PrunedDense",
    "QKNormMultiHeadAttention",
    "RotationViewPooling",
    "S4D",
    "ScaledLongSkip",
    "SparseMoE",
    "SpatialPyramidPooling2D",
    "TrAct",
    "WaveMixBlock",
    "WeightNormalization",
]
