from kerastricks.utils import validation
from kerastricks.utils.diagonal_fisher import diagonal_fisher
from kerastricks.utils.fisher_merge import fisher_merge
from kerastricks.utils.prototype_scores import prototype_scores
from kerastricks.utils.scale_learning_rate import scale_learning_rate
from kerastricks.utils.select_kept_indices import select_kept_indices
from kerastricks.utils.train_only_batchnorm import train_only_batchnorm

__all__ = [
    "diagonal_fisher",
    "fisher_merge",
    "prototype_scores",
    "scale_learning_rate",
    "select_kept_indices",
    "train_only_batchnorm",
]

# PoolFormer weights in PyTorch's layout.
from kerastricks.utils.export_timm_poolformer_weights import (  # noqa: E402
    export_timm_poolformer_weights,
)
from kerastricks.utils.load_timm_poolformer_weights import (  # noqa: E402
    load_timm_poolformer_weights,
)

__all__ += ["export_timm_poolformer_weights", "load_timm_poolformer_weights"]
