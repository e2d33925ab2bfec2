import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import scale_shift_invariant
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.ScaleShiftInvariantLoss")
class ScaleShiftInvariantLoss(keras.losses.Loss):
    """Scale- and shift-invariant dense regression loss (MiDaS).

    For dense targets known only up to an unknown scale and shift per
    image (relative depth or disparity from mixed datasets, ordinal
    shading), each predicted image is first aligned to its target by the
    least-squares scale and shift over its valid pixels, then the squared
    error of the aligned prediction plus a multi-scale gradient-matching
    term (which sharpens discontinuities) is the loss. Any per-image affine
    change `a * y_pred + b` (a != 0) leaves it unchanged, so the network is
    free to predict in its own units.

    ```python
    s, t = argmin sum_i m_i (s p_i + t - y_i)^2          # closed form
    R = m * (s p + t - y)
    loss = sum R^2 / (2 M) + alpha * sum_k sum (|dx R^k| + |dy R^k|) / M
    ```

    Args:
        gradient_weight: float >= 0, `alpha`, the weight of the
            gradient-matching term (0 leaves the aligned MSE alone).
            Defaults to `0.5`, the paper's.
        num_scales: positive int, `K`, the scales (subsampling by 1, 2, 4,
            ...) of the gradient term. Defaults to `4`, the paper's.
        ignore_value: float or `None`. Target pixels equal to it are
            invalid (e.g. `0.0` for missing depth); non-finite targets
            (NaN, inf) always are. Invalid pixels take no part in the
            alignment or the loss. Defaults to `None`.
        reduction: the Keras loss reduction over the per-image losses.
            Defaults to `"sum_over_batch_size"`.
        name: string. Defaults to `"scale_shift_invariant_loss"`.
        dtype: the loss computation dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.ScaleShiftInvariantLoss()
    >>> depth = np.random.default_rng(0).uniform(1, 5, (2, 8, 8))
    >>> depth = depth.astype("float32")
    >>> round(float(loss(depth, 3.0 * depth - 7.0)), 6)
    0.0
    >>> float(loss(depth, depth ** 2)) > 0.0
    True

    References:
        - [Ranftl et al., 2019](https://arxiv.org/abs/1907.01341),
          "Towards Robust Monocular Depth Estimation: Mixing Datasets for
          Zero-shot Cross-dataset Transfer" (`L_ssimse` and `L_reg`).
        - [Careaga and Aksoy, 2023](https://arxiv.org/abs/2311.12792),
          "Intrinsic Image Decomposition via Ordinal Shading".
    """

    def __init__(
        self,
        gradient_weight=0.5,
        num_scales=4,
        ignore_value=None,
        reduction="sum_over_batch_size",
        name="scale_shift_invariant_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.gradient_weight = validation.check_non_negative(
            "gradient_weight", gradient_weight)
        self.num_scales = validation.check_positive_int("num_scales",
                                                        num_scales)
        if ignore_value is not None:
            validation.check_number("ignore_value", ignore_value)
        self.ignore_value = ignore_value

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Before `keras.losses.Loss.__call__` casts both to the loss dtype.
        scale_shift_invariant.check_images("ScaleShiftInvariantLoss",
                                           y_true, y_pred)
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        y_true, y_pred = scale_shift_invariant.check_images(
            "ScaleShiftInvariantLoss", y_true, y_pred)
        mask = scale_shift_invariant.valid_target_mask(y_true,
                                                       self.ignore_value)
        return scale_shift_invariant.scale_shift_invariant_loss(
            y_true, y_pred, mask=mask,
            gradient_weight=self.gradient_weight,
            num_scales=self.num_scales)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "gradient_weight": self.gradient_weight,
                "num_scales": self.num_scales,
                "ignore_value": self.ignore_value,
            }
        )
        return config
