"""Keras metrics the recipes report (registered as
`kerastricks.recipes>Name` and imported by `import kerastricks`, so saved
recipe models load back)."""

import keras
from keras import ops

from kerastricks.ops import any_loss as confusion_metrics
from kerastricks.recipes.layers import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class ThresholdedBinaryMetric(keras.metrics.Metric):
    """A confusion-matrix metric of a binary classifier at threshold 0.5,
    accumulated over the epoch (F1, balanced accuracy, ...).

    Args:
        metric: one of `"accuracy"`, `"f1"`, `"balanced_accuracy"`,
            `"geometric_mean"`.
        name: Defaults to `metric`.
    """

    def __init__(self, metric="f1", name=None, dtype=None):
        if metric not in confusion_metrics.METRICS:
            raise ValueError(
                f"Argument `metric` must be one of "
                f"{sorted(confusion_metrics.METRICS)}. Received: "
                f"metric={metric!r}"
            )
        super().__init__(name=name or metric, dtype=dtype)
        self.metric = metric
        self.counts = self.add_variable(shape=(4,), initializer="zeros",
                                        name="counts")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hard = ops.cast(ops.reshape(y_pred, (-1,)) > 0.5, "float32")
        labels = ops.cast(ops.reshape(y_true, (-1,)), "float32")
        weight = (ops.ones_like(labels) if sample_weight is None
                  else ops.cast(ops.reshape(sample_weight, (-1,)), "float32"))
        self.counts.assign_add(ops.stack([
            ops.sum(weight * (1 - labels) * (1 - hard)),
            ops.sum(weight * labels * (1 - hard)),
            ops.sum(weight * (1 - labels) * hard),
            ops.sum(weight * labels * hard),
        ]))

    def result(self):
        tn, fn, fp, tp = ops.unstack(ops.convert_to_tensor(self.counts))
        return confusion_metrics.METRICS[self.metric](tn, fn, fp, tp)

    def reset_state(self):
        self.counts.assign(ops.zeros((4,)))

    def get_config(self):
        return {"metric": self.metric, "name": self.name,
                "dtype": self.dtype}
