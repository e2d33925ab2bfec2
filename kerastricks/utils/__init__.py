from kerastricks.utils import validation
from kerastricks.utils.prototype_scores import prototype_scores
from kerastricks.utils.scale_learning_rate import scale_learning_rate
from kerastricks.utils.select_kept_indices import select_kept_indices
from kerastricks.utils.train_only_batchnorm import train_only_batchnorm

__all__ = [
    "prototype_scores",
    "scale_learning_rate",
    "select_kept_indices",
    "train_only_batchnorm",
]
