import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import any_loss as any_loss_ops
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.AnyLoss")
class AnyLoss(keras.losses.Loss):
    """Turns a confusion-matrix metric into a loss: `1 - metric(soft CM)`.

    AnyLoss makes the confusion matrix of a binary classifier differentiable:
    each predicted probability p is pushed towards 0 or 1 by the
    approximation function A(p) = 1 / (1 + exp(-L (p - 1/2))) with a large
    amplifying scale L, and TN, FN, FP, TP are sums of A(p) over the batch.
    Any metric written in those four numbers (F1, balanced accuracy,
    geometric mean, MCC, ...) then becomes a loss to minimize directly; the
    paper reports it shines on imbalanced data. `FBetaLoss`, `AccuracyLoss`,
    `BalancedAccuracyLoss` and `GeometricMeanLoss` are named shortcuts.

    ```python
    A = 1 / (1 + exp(-amplifying_scale * (p - 0.5)))
    TP = sum(w * y * A);        FN = sum(w * y * (1 - A))
    FP = sum(w * (1 - y) * A);  TN = sum(w * (1 - y) * (1 - A))
    loss = 1 - metric(TN, FN, FP, TP)            # one value per batch
    ```

    The loss is a batch statistic, so its value depends on the batch size
    and class balance of each batch: use batches large enough to hold both
    classes. `sample_weight` weights each example's share of the confusion
    matrix; `reduction` is accepted for API compatibility but the result is
    always the single batch value. A class absent from a batch has no recall:
    balanced accuracy and the geometric mean then score the classes present
    (see `kerastricks.ops.any_loss`), so the loss stays finite.

    `y_pred` must be floating and of `y_true`'s shape (up to trailing size-1
    axes); this is checked at trace time. Label values outside [0, 1] make
    the confusion matrix meaningless but are data: check them with
    `kerastricks.utils.validation.enable_label_value_checks()`.

    Args:
        metric: a name (`"f1"`, `"accuracy"`, `"balanced_accuracy"`,
            `"geometric_mean"`) or a function `metric(tn, fn, fp, tp)` of
            scalar tensors returning a score to maximize (register it with
            `keras.saving.register_keras_serializable` to save models).
        amplifying_scale: float > 0, L in A(p). Defaults to `73.0`, the
            paper's value.
        from_logits: bool, `y_pred` holds logits rather than probabilities.
            Defaults to `False`.
        reduction: accepted for compatibility. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"any_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.AnyLoss(metric="f1")
    >>> y_true = np.array([1, 0, 1, 1], "float32")
    >>> y_pred = np.array([0.9, 0.2, 0.8, 0.1], "float32")   # one FN
    >>> round(float(loss(y_true, y_pred)), 2)   # 1 - F1 = 1 - 0.8
    0.2

    References:
        - [Han et al., 2024](https://arxiv.org/abs/2405.14745), "AnyLoss:
          Transforming Classification Metrics into Loss Functions".
    """

    def __init__(
        self,
        metric="f1",
        amplifying_scale=73.0,
        from_logits=False,
        reduction="sum_over_batch_size",
        name="any_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if isinstance(metric, str):
            validation.check_one_of("metric", metric,
                                    tuple(any_loss_ops.METRICS))
        elif not callable(metric):
            raise TypeError(
                "Argument `metric` must be a metric name or a function of "
                f"(tn, fn, fp, tp). Received: metric={metric!r}"
            )
        self.metric = metric
        self.amplifying_scale = validation.check_positive(
            "amplifying_scale", amplifying_scale
        )
        self.from_logits = validation.check_bool("from_logits", from_logits)

    # Named shortcuts fix the metric and do not take it as an argument.
    _has_metric_argument = True

    def _metric_fn(self):
        if isinstance(self.metric, str):
            return any_loss_ops.METRICS[self.metric]
        return self.metric

    def confusion_matrix(self, y_true, y_pred, sample_weight=None):
        """The soft (TN, FN, FP, TP) of a batch."""
        loss_name = type(self).__name__
        y_true, y_pred = validation.check_loss_inputs(
            loss_name, y_true, y_pred, labels="binary")
        y_true = validation.check_label_values(loss_name, y_true,
                                               labels="binary")
        probabilities = ops.sigmoid(y_pred) if self.from_logits else y_pred
        return any_loss_ops.soft_confusion_matrix(
            y_true, probabilities, self.amplifying_scale, sample_weight
        )

    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            y_pred = ops.convert_to_tensor(y_pred)
            y_true = ops.convert_to_tensor(y_true)
            counts = self.confusion_matrix(y_true, y_pred, sample_weight)
            loss = 1.0 - self._metric_fn()(*counts)
            return ops.cast(loss, self.dtype or keras.config.floatx())

    def call(self, y_true, y_pred):
        return 1.0 - self._metric_fn()(*self.confusion_matrix(y_true, y_pred))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "amplifying_scale": self.amplifying_scale,
                "from_logits": self.from_logits,
            }
        )
        if self._has_metric_argument:
            metric = self.metric
            if not isinstance(metric, str):
                metric = keras.saving.serialize_keras_object(metric)
            config["metric"] = metric
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        metric = config.get("metric")
        if metric is not None and not isinstance(metric, str):
            config["metric"] = keras.saving.deserialize_keras_object(metric)
        return cls(**config)
