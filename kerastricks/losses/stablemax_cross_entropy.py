import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.stablemax import stablemax_cross_entropy
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.StableMaxCrossEntropy")
class StableMaxCrossEntropy(keras.losses.Loss):
    """Cross-entropy through StableMax instead of softmax.

    The grokking-paper loss: once a model fits its training data, softmax
    cross-entropy rounds to exactly 0 with an exactly zero gradient for
    confident examples ("Softmax Collapse") and learning stops. With StableMax
    the probabilities saturate only polynomially, the loss stays positive and
    the gradient non-zero, so models grok without weight decay. The loss is
    finite for logits of any float32 size and in bfloat16 (half-precision
    logits are computed in float32).

    ```python
    s(x) = x + 1 if x >= 0 else 1 / (1 - x)
    loss = log(sum_j s(logits_j)) - log(s(logits_y))
    ```

    Args:
        sparse: bool, `y_true` holds integer class ids (like
            `SparseCategoricalCrossentropy`) when `True`, one-hot or soft
            targets when `False`. Defaults to `True`.
        axis: int, the class axis of the logits. Defaults to `-1`.
        reduction: the Keras loss reduction. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"stablemax_cross_entropy"`.
        dtype: the loss computation dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.StableMaxCrossEntropy()
    >>> float(loss(np.array([1]), np.array([[0.0, 200.0]])))  # softmax CE: 0.0
    0.00496...

    References:
        - [Prieto et al., 2025](https://arxiv.org/abs/2501.04697), "Grokking at
          the Edge of Numerical Stability".
    """

    def __init__(
        self,
        sparse=True,
        axis=-1,
        reduction="sum_over_batch_size",
        name="stablemax_cross_entropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.sparse = validation.check_bool("sparse", sparse)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                f"Argument `axis` must be an int. Received: axis={axis!r}"
            )
        self.axis = axis

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Before `keras.losses.Loss.__call__` casts both to the loss dtype.
        labels = "sparse" if self.sparse else "dense"
        y_true, y_pred = validation.check_loss_inputs(
            "StableMaxCrossEntropy", y_true, y_pred, labels=labels,
            axis=self.axis)
        y_true = validation.check_label_values(
            "StableMaxCrossEntropy", y_true, labels=labels,
            num_classes=y_pred.shape[self.axis])
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        if self.sparse:
            y_true = ops.cast(y_true, "int32")  # ids, cast to float by Keras
        return stablemax_cross_entropy(
            y_true, y_pred, sparse=self.sparse, axis=self.axis
        )

    def get_config(self):
        config = super().get_config()
        config.update({"sparse": self.sparse, "axis": self.axis})
        return config
