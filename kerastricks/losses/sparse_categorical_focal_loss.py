import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.focal import sparse_categorical_focal_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.SparseCategoricalFocalLoss")
class SparseCategoricalFocalLoss(keras.losses.Loss):
    """Focal loss for integer class ids.

    Cross-entropy scaled down on the examples the model already gets
    right: the factor (1 - p_y)^gamma shrinks the loss of confident correct
    predictions, so the many easy examples (background, majority classes)
    stop dominating the gradient. It helps on heavily imbalanced
    classification and dense prediction. Keras core has the focal loss for
    one-hot targets (`keras.losses.CategoricalFocalCrossentropy`); this is
    its sparse counterpart, with optional per-class weights.

    ```python
    log_p = log_softmax(y_pred)[y]   (from_logits; else log of clipped p)
    loss = -alpha[y] * (1 - exp(log_p))**gamma * log_p
    ```

    From logits the loss uses a log-softmax, so it is exact even where the
    probability rounds to 0 or 1 (no clipping bias); from probabilities,
    `y_pred` is normalized and clipped to [epsilon, 1 - epsilon] as Keras's
    cross-entropies do. `gamma=0` without `alpha` is sparse categorical
    cross-entropy.

    Args:
        gamma: float >= 0, the focusing parameter. Defaults to `2.0` (the
            paper's choice).
        alpha: None or a sequence of non-negative per-class weights, one
            per class of `y_pred`. Defaults to `None` (all 1).
        from_logits: bool, `y_pred` holds logits. Defaults to `False`.
        reduction: the Keras loss reduction. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"sparse_categorical_focal_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.SparseCategoricalFocalLoss(
    ...     gamma=2.0, from_logits=True)
    >>> labels = np.array([0, 1])
    >>> logits = np.array([[4.0, 0.0, 0.0], [0.0, 0.0, 0.0]], "float32")
    >>> round(float(loss(labels, logits)), 4)
    0.2442

    References:
        - [Lin et al., 2017](https://arxiv.org/abs/1708.02002), "Focal Loss
          for Dense Object Detection", ICCV 2017.
    """

    def __init__(self, gamma=2.0, alpha=None, from_logits=False,
                 reduction="sum_over_batch_size",
                 name="sparse_categorical_focal_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.gamma = validation.check_non_negative("gamma", gamma)
        if alpha is not None:
            if not isinstance(alpha, (list, tuple)) or not alpha:
                raise TypeError(
                    "Argument `alpha` must be None or a non-empty list of "
                    "per-class weights. Received: "
                    f"alpha={alpha!r} of type {type(alpha).__name__}")
            alpha = [float(validation.check_non_negative("alpha", weight))
                     for weight in alpha]
        self.alpha = alpha
        self.from_logits = validation.check_bool("from_logits", from_logits)

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Before `keras.losses.Loss.__call__` casts both to the loss dtype.
        y_true, y_pred = validation.check_loss_inputs(
            "SparseCategoricalFocalLoss", y_true, y_pred, labels="sparse")
        num_classes = y_pred.shape[-1]
        if (self.alpha is not None and num_classes is not None
                and len(self.alpha) != num_classes):
            raise ValueError(
                "SparseCategoricalFocalLoss needs one `alpha` weight per "
                f"class: y_pred has {num_classes} classes. Received: "
                f"alpha={self.alpha!r}")
        y_true = validation.check_label_values(
            "SparseCategoricalFocalLoss", y_true, labels="sparse",
            num_classes=num_classes)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        return sparse_categorical_focal_loss(
            y_true, y_pred, gamma=self.gamma, alpha=self.alpha,
            from_logits=self.from_logits)

    def get_config(self):
        config = super().get_config()
        config.update({"gamma": self.gamma, "alpha": self.alpha,
                       "from_logits": self.from_logits})
        return config
