"""The state shared by the ROC metrics: per-bin counts of the scores of
positive and negative examples (see `kerastricks.ops.roc_histogram`)."""

import keras
from keras import ops

from kerastricks.ops import roc_histogram
from kerastricks.utils import validation


def check_score_range(score_range):
    """A pair `(low, high)` of finite numbers with `low < high`; returns
    it as a tuple of floats."""
    if not isinstance(score_range, (list, tuple)) or len(score_range) != 2:
        raise TypeError(
            "Argument `score_range` must be a pair (low, high). Received: "
            f"score_range={score_range!r}")
    low, high = (float(validation.check_number("score_range", value))
                 for value in score_range)
    if not low < high:
        raise ValueError(
            "Argument `score_range` must satisfy low < high. Received: "
            f"score_range={score_range!r}")
    return (low, high)


class ScoreHistogramMetric(keras.metrics.Metric):
    """Base of `FPRAt95TPR` and `OODAUROC` (internal): two float32
    `(num_bins,)` count variables, so the state has a static shape and
    `update_state` compiles (XLA, torch.compile)."""

    def __init__(self, score_range=(0.0, 1.0), num_bins=10000, name=None,
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.score_range = check_score_range(score_range)
        self.num_bins = validation.check_positive_int("num_bins", num_bins)
        self.positive_counts = self.add_variable(
            shape=(self.num_bins,), initializer="zeros", dtype="float32",
            name="positive_counts")
        self.negative_counts = self.add_variable(
            shape=(self.num_bins,), initializer="zeros", dtype="float32",
            name="negative_counts")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        owner = type(self).__name__
        validation.check_floating_input(owner, "y_pred", y_pred)
        true_size = _static_size(y_true.shape)
        pred_size = _static_size(y_pred.shape)
        if None not in (true_size, pred_size) and true_size != pred_size:
            raise ValueError(
                f"{owner} expects one score per label: `y_true` and "
                "`y_pred` must hold as many values. Received: y_true of "
                f"shape {tuple(y_true.shape)}, y_pred of shape "
                f"{tuple(y_pred.shape)}")
        positives, negatives = roc_histogram.bin_counts(
            y_true, y_pred, self.score_range, self.num_bins,
            sample_weight=sample_weight)
        self.positive_counts.assign_add(positives)
        self.negative_counts.assign_add(negatives)

    def reset_state(self):
        self.positive_counts.assign(ops.zeros((self.num_bins,), "float32"))
        self.negative_counts.assign(ops.zeros((self.num_bins,), "float32"))

    def get_config(self):
        config = super().get_config()
        config.update({"score_range": self.score_range,
                       "num_bins": self.num_bins})
        return config


def _static_size(shape):
    size = 1
    for dim in shape:
        if dim is None:
            return None
        size *= dim
    return size
