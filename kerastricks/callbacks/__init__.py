from kerastricks.callbacks.data_pruning_scores import DataPruningScores
from kerastricks.callbacks.gradient_rms_monitor import GradientRMSMonitor
from kerastricks.callbacks.instability_monitor import InstabilityMonitor
from kerastricks.callbacks.opposing_signals_monitor import (
    OpposingSignalsMonitor,
)
from kerastricks.callbacks.reste_schedule import ReSTESchedule
from kerastricks.callbacks.softmax_collapse_monitor import (
    SoftmaxCollapseMonitor,
)
from kerastricks.callbacks.swa import SWA

__all__ = [
    "DataPruningScores",
    "GradientRMSMonitor",
    "InstabilityMonitor",
    "OpposingSignalsMonitor",
    "ReSTESchedule",
    "SoftmaxCollapseMonitor",
    "SWA",
]
