from kerastricks.layers.binary_conv2d import BinaryConv2D
from kerastricks.layers.binary_dense import BinaryDense
from kerastricks.layers.group_generalized_mean_pooling import (
    GroupGeneralizedMeanPooling,
)
from kerastricks.layers.learned_temperature_head import LearnedTemperatureHead
from kerastricks.layers.parallel_shallow_block import ParallelShallowBlock
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
from kerastricks.layers.scaled_long_skip import ScaledLongSkip
from kerastricks.layers.sparse_moe import SparseMoE
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
    "LearnedTemperatureHead",
    "BinaryConv2D",
    "BinaryDense",
    # mixture of experts and skip-connection layers
    "SparseMoE",
    "ScaledLongSkip",
    "ParallelShallowBlock",
    # Wavelet mixing, moment probing and rotation-view pooling.
    "HaarDWT2D",
    "InverseHaarDWT2D",
    "WaveMixBlock",
    "MomentProbingHead",
    "RotationViewPooling",
    "FLoRA",
    "AttentionalSetPooling",
    "MultiLayerTrainablePooling",
    "FrameAveraging",
]

# MetaFormer / PoolFormer.
from kerastricks.layers.metaformer_block import MetaFormerBlock  # noqa: E402
from kerastricks.layers.pooling_token_mixer import PoolingTokenMixer  # noqa: E402

__all__ += ["MetaFormerBlock", "PoolingTokenMixer"]

# PoNet.
from kerastricks.layers.ponet_token_mixer import PoNetTokenMixer  # noqa: E402

__all__ += ["PoNetTokenMixer"]
