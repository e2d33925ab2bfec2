import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.cross_entropy_dice import soft_dice_loss
from kerastricks.ops.cross_entropy_dice import (
    weighted_categorical_cross_entropy,
)
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.CrossEntropyDiceLoss")
class CrossEntropyDiceLoss(keras.losses.Loss):
    """Weighted categorical cross-entropy plus multi-class soft Dice.

    The hybrid loss of the Enhanced SegNet OCT paper: cross-entropy trains
    every pixel, weighted per class so rare classes count more, while the
    soft Dice term scores each class's overlap as a whole, which keeps thin
    and small structures (thin retinal layers) from being ignored on
    imbalanced segmentation maps.

    ```python
    ce   = mean_pixels( -sum_c class_weights[c] * y_c * log p_c )
    dice = 1 - mean_c (2 sum(y_c p_c) + smooth) / (sum(y_c) + sum(p_c) + smooth)
    loss = cross_entropy_weight * ce + dice_weight * dice     # per example
    ```

    `y_true` holds one-hot (or soft) targets of `y_pred`'s shape; a
    non-float `y_pred` or a shape mismatch is refused at trace time. Target
    values outside [0, 1] are checked by the opt-in
    `kerastricks.utils.validation.enable_label_value_checks()`.

    Args:
        class_weights: sequence of finite per-class weights >= 0 or `None`
            (all 1). Defaults to `None`.
        cross_entropy_weight: float >= 0. Defaults to `1.0`.
        dice_weight: float >= 0. Defaults to `1.0` (the paper sums the two
            terms; its abstract gives no weighting).
        from_logits: bool, `y_pred` holds logits: the cross-entropy then
            uses the exact log-softmax (as Keras's `CategoricalCrossentropy(
            from_logits=True)`) and the Dice term the softmax. Probabilities
            are clipped at 1e-7 before the log, as Keras does. Defaults to
            `False`.
        smooth: float > 0, added to the Dice numerator and denominator.
            Defaults to `1e-6`.
        reduction: the Keras loss reduction. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"cross_entropy_dice_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.CrossEntropyDiceLoss()
    >>> y = np.eye(3)[np.array([[0, 1], [2, 2]])][None]     # (1, 2, 2, 3)
    >>> float(loss(y, y)) < 1e-5                            # perfect map
    True

    References:
        - [Saky and Tshering, 2025](https://arxiv.org/abs/2509.07795),
          "Enhanced SegNet with Integrated Grad-CAM for Interpretable
          Retinal Layer Segmentation in OCT Images".
        - [Milletari et al., 2016](https://arxiv.org/abs/1606.04797),
          "V-Net" (soft Dice).
    """

    def __init__(self, class_weights=None, cross_entropy_weight=1.0,
                 dice_weight=1.0, from_logits=False, smooth=1e-6,
                 reduction="sum_over_batch_size",
                 name="cross_entropy_dice_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if class_weights is not None:
            if isinstance(class_weights, (str, bytes)) or not hasattr(
                    class_weights, "__iter__"):
                raise TypeError(
                    "Argument `class_weights` must be a sequence of numbers "
                    f"or None. Received: class_weights={class_weights!r}"
                )
            class_weights = [
                float(validation.check_non_negative("class_weights", w))
                for w in class_weights
            ]
        self.class_weights = class_weights
        self.cross_entropy_weight = validation.check_non_negative(
            "cross_entropy_weight", cross_entropy_weight)
        self.dice_weight = validation.check_non_negative("dice_weight",
                                                         dice_weight)
        self.from_logits = validation.check_bool("from_logits", from_logits)
        self.smooth = validation.check_positive("smooth", smooth)

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Before `keras.losses.Loss.__call__` casts both to the loss dtype.
        y_true, y_pred = validation.check_loss_inputs(
            "CrossEntropyDiceLoss", y_true, y_pred, labels="dense")
        num_classes = y_pred.shape[-1]
        if (self.class_weights is not None and num_classes is not None
                and len(self.class_weights) != num_classes):
            raise ValueError(
                "CrossEntropyDiceLoss: argument `class_weights` needs one "
                f"entry per class, {num_classes} for y_pred of shape "
                f"{tuple(y_pred.shape)}. Received: "
                f"class_weights={self.class_weights}"
            )
        y_true = validation.check_label_values("CrossEntropyDiceLoss",
                                               y_true, labels="dense")
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        loss = self.cross_entropy_weight * weighted_categorical_cross_entropy(
            y_true, y_pred, self.class_weights, from_logits=self.from_logits)
        probabilities = (
            ops.softmax(ops.cast(y_pred, "float32"), axis=-1)
            if self.from_logits else y_pred
        )
        return loss + self.dice_weight * soft_dice_loss(
            y_true, probabilities, self.smooth)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "class_weights": self.class_weights,
                "cross_entropy_weight": self.cross_entropy_weight,
                "dice_weight": self.dice_weight,
                "from_logits": self.from_logits,
                "smooth": self.smooth,
            }
        )
        return config
