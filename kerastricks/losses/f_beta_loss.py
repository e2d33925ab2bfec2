import functools

from kerastricks.api_export import kerastricks_export
from kerastricks.losses.any_loss import AnyLoss
from kerastricks.ops import any_loss as any_loss_ops
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.FBetaLoss")
class FBetaLoss(AnyLoss):
    """AnyLoss for the F-beta score (F1 by default): `1 - F_beta(soft CM)`.

    The F-beta score weighs recall beta times as much as precision; on
    imbalanced binary problems training on 1 - F1 directly targets the score
    people report, instead of the accuracy cross-entropy favours. See
    `AnyLoss` for the soft confusion matrix; the value is one per batch.

    ```python
    F_beta = (1 + beta**2) TP / ((1 + beta**2) TP + beta**2 FN + FP)
    loss = 1 - F_beta
    ```

    Args:
        beta: float > 0. Defaults to `1.0` (F1).
        amplifying_scale: float > 0, L of the approximation function.
            Defaults to `73.0`, the paper's value.
        from_logits: bool, `y_pred` holds logits. Defaults to `False`.
        reduction: accepted for compatibility. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"f_beta_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.FBetaLoss()
    >>> y_true = np.array([1, 0, 1, 1], "float32")
    >>> round(float(loss(y_true, np.array([0.9, 0.2, 0.8, 0.1]))), 2)
    0.2

    References:
        - [Han et al., 2024](https://arxiv.org/abs/2405.14745), "AnyLoss:
          Transforming Classification Metrics into Loss Functions".
    """

    _has_metric_argument = False

    def __init__(self, beta=1.0, amplifying_scale=73.0, from_logits=False,
                 reduction="sum_over_batch_size", name="f_beta_loss",
                 dtype=None):
        self.beta = validation.check_positive("beta", beta)
        super().__init__(
            metric=functools.partial(any_loss_ops.f_beta, beta=beta),
            amplifying_scale=amplifying_scale, from_logits=from_logits,
            reduction=reduction, name=name, dtype=dtype,
        )

    def get_config(self):
        config = super().get_config()
        config["beta"] = self.beta
        return config
