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

# MetaFormer / PoolFormer.
from kerastricks.layers.metaformer_block import MetaFormerBlock  # noqa: E402
from kerastricks.layers.pooling_token_mixer import PoolingTokenMixer  # noqa: E402

__all__ += ["MetaFormerBlock", "PoolingTokenMixer"]

# PoNet.
from kerastricks.layers.ponet_token_mixer import PoNetTokenMixer  # noqa: E402

__all__ += ["PoNetTokenMixer"]
