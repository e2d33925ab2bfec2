from kerastricks.callbacks.data_pruning_scores import DataPruningScores
from kerastricks.callbacks.softmax_collapse_monitor import (
    SoftmaxCollapseMonitor,
)

__all__ = ["DataPruningScores", "SoftmaxCollapseMonitor"]
