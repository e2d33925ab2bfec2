from kerastricks.api_export import kerastricks_export
from kerastricks.losses.any_loss import AnyLoss


@kerastricks_export("kerastricks.losses.GeometricMeanLoss")
class GeometricMeanLoss(AnyLoss):
    """AnyLoss for the geometric mean of sensitivity and specificity.

    A named shortcut for `AnyLoss(metric="geometric_mean")`: the loss is
    `1 - sqrt(TPR * TNR)` on the differentiable confusion matrix of the
    batch (see `AnyLoss`), minimized directly; one value per batch.

    ```python
    metric = sqrt(TP / (TP + FN) * TN / (TN + FP))
    loss = 1 - metric
    ```

    Args:
        amplifying_scale: float > 0, L of the approximation function.
            Defaults to `73.0`, the paper's value.
        from_logits: bool, `y_pred` holds logits. Defaults to `False`.
        reduction: accepted for compatibility. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"geometric_mean_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.GeometricMeanLoss()
    >>> y_true = np.array([1, 0, 1, 1], "float32")
    >>> round(float(loss(y_true, np.array([0.9, 0.2, 0.8, 0.1]))), 2)
    0.18

    References:
        - [Han et al., 2024](https://arxiv.org/abs/2405.14745), "AnyLoss:
          Transforming Classification Metrics into Loss Functions".
    """

    _has_metric_argument = False

    def __init__(self, amplifying_scale=73.0, from_logits=False,
                 reduction="sum_over_batch_size", name="geometric_mean_loss",
                 dtype=None):
        super().__init__(
            metric="geometric_mean", amplifying_scale=amplifying_scale,
            from_logits=from_logits, reduction=reduction, name=name,
            dtype=dtype,
        )
