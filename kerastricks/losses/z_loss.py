import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.z_loss import z_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.ZLoss")
class ZLoss(keras.losses.Loss):
    """The spherical-family Z-loss: a softplus of the target's z-score.

    A classification loss on the *standardized* logits: each example's logits
    are shifted to zero mean and scaled to unit standard deviation, and the
    loss is a scaled softplus of the target class's z-score. It is therefore
    invariant to adding a constant to all logits *and* to multiplying them by
    a positive constant (softmax cross-entropy is only shift invariant), so
    it cannot be lowered by inflating the logits and depends only on how far
    the target stands out from the other classes, which makes it close to
    ranking metrics such as top-k accuracy. It belongs to the spherical
    family (it depends only on sum(o), sum(o^2) and o_y), for which exact
    training with very large output layers costs O(d^2) instead of O(D d);
    this dense version gives the invariance, not that speed-up.

    Not to be confused with `kerastricks.losses.LogitZLoss`, the PaLM-style
    (log Z)^2 regularizer of the small-scale-proxies paper.

    ```python
    z = (logits - mean(logits)) / std(logits)       # per example
    loss = softplus(a * (b - z[y])) / a
    ```

    Args:
        a: float > 0, the sharpness of the softplus (`a` in the paper): large
            `a` tends to the hinge `max(0, b - z_y)`, small `a` to a linear
            loss. Defaults to `1.0`, as in the authors' released code.
        b: float, the z-score offset (`b` in the paper): the loss keeps
            pushing the target's z-score until it is well above `b` (z-scores
            are at most sqrt(num_classes - 1)). Defaults to `0.0`, as in the
            authors' released code. The paper tunes `a` and `b` per task.
        sparse: bool, `y_true` holds integer class ids (like
            `SparseCategoricalCrossentropy`) when `True`, one-hot targets
            when `False`. Defaults to `True`.
        axis: int, the class axis of the logits. Defaults to `-1`.
        reduction: the Keras loss reduction. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"z_loss"`.
        dtype: the loss computation dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.ZLoss()
    >>> logits = np.array([[2.0, 0.0, -2.0]], "float32")  # z = [1.22, 0, -1.22]
    >>> round(float(loss(np.array([0]), logits)), 4)
    0.2576
    >>> round(float(loss(np.array([0]), 100.0 * logits + 7.0)), 4)
    0.2576

    References:
        - [de Brébisson and Vincent, 2016](https://arxiv.org/abs/1604.08859),
          "The Z-loss: a shift and scale invariant classification loss
          belonging to the Spherical Family".
    """

    def __init__(
        self,
        a=1.0,
        b=0.0,
        sparse=True,
        axis=-1,
        reduction="sum_over_batch_size",
        name="z_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.a = validation.check_positive("a", a)
        self.b = validation.check_number("b", b)
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
            "ZLoss", y_true, y_pred, labels=labels, axis=self.axis)
        y_true = validation.check_label_values(
            "ZLoss", y_true, labels=labels,
            num_classes=y_pred.shape[self.axis])
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        if self.sparse:
            y_true = ops.cast(y_true, "int32")  # ids, cast to float by Keras
        return z_loss(
            y_true, y_pred, a=self.a, b=self.b, sparse=self.sparse,
            axis=self.axis,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "a": self.a,
                "b": self.b,
                "sparse": self.sparse,
                "axis": self.axis,
            }
        )
        return config
