from kerastricks.callbacks.softmax_collapse_monitor import (
    SoftmaxCollapseMonitor,
)

__all__ = ["SoftmaxCollapseMonitor"]
