from kerastricks.utils import validation
from kerastricks.utils.scale_learning_rate import scale_learning_rate
from kerastricks.utils.train_only_batchnorm import train_only_batchnorm

__all__ = ["scale_learning_rate", "train_only_batchnorm"]
