"""Learning-rate schedules: `keras.optimizers.schedules.LearningRateSchedule`
subclasses, usable as any Keras optimizer's `learning_rate`."""

from kerastricks.schedules.cyclical_learning_rate import CyclicalLearningRate
from kerastricks.schedules.one_cycle_learning_rate import OneCycleLearningRate
from kerastricks.schedules.warmup_stable_decay import WarmupStableDecay

__all__ = [
    "CyclicalLearningRate",
    "OneCycleLearningRate",
    "WarmupStableDecay",
]
