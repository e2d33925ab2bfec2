import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.logit_z_loss import logit_z_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.LogitZLoss")
class LogitZLoss(keras.losses.Loss):
    """The PaLM z-loss: `coefficient * (log Z)**2` on the output logits.

    One of the two mitigations of "Small-scale proxies for large-scale
    Transformer training instabilities": at high learning rates the output
    logits drift away from log-probabilities (log Z, the softmax's log
    normalizer, diverges) and training becomes unstable. Adding a small
    penalty on (log Z)^2 keeps log Z near 0. By default the loss is the
    sparse softmax cross-entropy *plus* the penalty, so it replaces
    `SparseCategoricalCrossentropy(from_logits=True)` in `compile`; with
    `cross_entropy=None` it is the penalty alone, to add to another loss.

    Not to be confused with `kerastricks.losses.ZLoss`, the shift- and
    scale-invariant spherical-family loss of de Brébisson and Vincent.

    ```python
    log_z = logsumexp(logits)
    loss = cross_entropy(y, logits) + coefficient * log_z**2
    ```

    Args:
        coefficient: float >= 0, the weight of (log Z)^2. Defaults to `1e-4`,
            the paper's (and PaLM's) value.
        cross_entropy: `"sparse"` (integer labels, softmax cross-entropy from
            logits), `"categorical"` (one-hot labels) or `None` (the penalty
            alone; `y_true` is ignored). Defaults to `"sparse"`.
        axis: int, the class axis. Defaults to `-1`.
        reduction: the Keras loss reduction. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"logit_z_loss"`.
        dtype: the loss computation dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.LogitZLoss(cross_entropy=None)
    >>> logits = np.zeros((1, 2), "float32")  # log Z = log 2
    >>> round(float(loss(np.zeros((1,)), logits)), 8)
    4.805e-05

    References:
        - [Wortsman et al., 2023](https://arxiv.org/abs/2309.14322),
          "Small-scale proxies for large-scale Transformer training
          instabilities".
        - [Chowdhery et al., 2022](https://arxiv.org/abs/2204.02311), "PaLM:
          Scaling Language Modeling with Pathways".
    """

    def __init__(
        self,
        coefficient=1e-4,
        cross_entropy="sparse",
        axis=-1,
        reduction="sum_over_batch_size",
        name="logit_z_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.coefficient = validation.check_non_negative(
            "coefficient", coefficient
        )
        if cross_entropy not in ("sparse", "categorical", None):
            raise ValueError(
                "Argument `cross_entropy` must be 'sparse', 'categorical' or "
                f"None. Received: cross_entropy={cross_entropy!r}"
            )
        self.cross_entropy = cross_entropy
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                f"Argument `axis` must be an int. Received: axis={axis!r}"
            )
        self.axis = axis

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Before `keras.losses.Loss.__call__` casts both to the loss dtype.
        if self.cross_entropy is None:
            y_pred = validation.check_predictions("LogitZLoss", y_pred,
                                                  min_rank=2)
            validation.check_class_axis("LogitZLoss", self.axis,
                                        len(y_pred.shape))
        else:
            labels = "sparse" if self.cross_entropy == "sparse" else "dense"
            y_true, y_pred = validation.check_loss_inputs(
                "LogitZLoss", y_true, y_pred, labels=labels, axis=self.axis)
            y_true = validation.check_label_values(
                "LogitZLoss", y_true, labels=labels,
                num_classes=y_pred.shape[self.axis])
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        penalty = logit_z_loss(y_pred, self.coefficient, axis=self.axis)
        if self.cross_entropy is None:
            return penalty
        logits = ops.cast(y_pred, penalty.dtype)
        if self.cross_entropy == "sparse":
            data_term = keras.losses.sparse_categorical_crossentropy(
                y_true, logits, from_logits=True, axis=self.axis
            )
        else:
            data_term = keras.losses.categorical_crossentropy(
                y_true, logits, from_logits=True, axis=self.axis
            )
        return data_term + penalty

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "coefficient": self.coefficient,
                "cross_entropy": self.cross_entropy,
                "axis": self.axis,
            }
        )
        return config
