"""The scale- and shift-invariant loss of MiDaS ("Towards Robust Monocular
Depth Estimation: Mixing Datasets for Zero-shot Cross-dataset Transfer",
Ranftl et al., arXiv 1907.01341), as used for ordinal shading in
"Intrinsic Image Decomposition via Ordinal Shading" (Careaga and Aksoy,
arXiv 2311.12792): a per-image least-squares scale and shift aligns the
prediction to the target before the error and a multi-scale
gradient-matching term are taken.
"""

from keras import ops

from kerastricks.utils import validation


def _as_images(owner, name, tensor):
    """`(batch, height, width, channels)` float32 from rank 3 or 4."""
    tensor = ops.convert_to_tensor(tensor)
    validation.check_floating_input(owner, name, tensor)
    validation.check_input_rank(owner, name, tensor.shape, (3, 4))
    if len(tensor.shape) == 3:
        tensor = ops.expand_dims(tensor, -1)
    return ops.cast(tensor, "float32")


def check_images(owner, y_true, y_pred):
    """Call-time checks; returns `(y_true, y_pred)` as rank-4 float32."""
    y_pred = _as_images(owner, "y_pred", y_pred)
    y_true = _as_images(owner, "y_true", y_true)
    if None not in y_true.shape[1:] + y_pred.shape[1:] and (
            y_true.shape[1:] != y_pred.shape[1:]):
        raise ValueError(
            f"{owner} needs `y_true` and `y_pred` of the same image shape. "
            f"Received: y_true of shape {tuple(y_true.shape)} and y_pred "
            f"of shape {tuple(y_pred.shape)} (rank 3 gains a channel axis)"
        )
    validation.check_same_size(owner, "batch size",
                               {"y_true": y_true.shape,
                                "y_pred": y_pred.shape})
    return y_true, y_pred


def valid_target_mask(y_true, ignore_value=None):
    """1.0 where the target is finite (and not `ignore_value`), else 0.0."""
    valid = ops.isfinite(y_true)
    if ignore_value is not None:
        valid = ops.logical_and(valid, ops.not_equal(y_true, ignore_value))
    return ops.cast(valid, "float32")


def scale_shift_alignment(y_pred, y_true, mask):
    """Per-image `(scale, shift)` minimizing `sum mask (s p + t - y)^2`.

    The closed-form solution of the 2x2 normal equations, written with
    centred moments (stabler in float32):
    `s = cov(p, y) / var(p)`, `t = mean(y) - s mean(p)` over the valid
    pixels of each image. An image whose valid prediction is constant
    gets `s = 0`, `t = mean(y)`; one with no valid pixel gets `s = t = 0`.

    Args:
        y_pred: float `(batch, height, width, channels)` predictions.
        y_true: float targets of the same shape (invalid entries must be
            finite; they are ignored through `mask`).
        mask: 0/1 float validity of the same shape.

    Returns:
        `(scale, shift)`, each `(batch, 1, 1, 1)`.
    """
    y_pred, y_true, mask = (ops.cast(ops.convert_to_tensor(value), "float32")
                            for value in (y_pred, y_true, mask))
    axes = (1, 2, 3)
    count = ops.sum(mask, axis=axes, keepdims=True)
    safe_count = ops.maximum(count, 1.0)
    mean_pred = ops.sum(mask * y_pred, axis=axes, keepdims=True) / safe_count
    mean_true = ops.sum(mask * y_true, axis=axes, keepdims=True) / safe_count
    centred_pred = mask * (y_pred - mean_pred)
    variance = ops.sum(ops.square(centred_pred), axis=axes, keepdims=True)
    covariance = ops.sum(centred_pred * (y_true - mean_true), axis=axes,
                         keepdims=True)
    degenerate = variance <= 0.0
    scale = ops.where(degenerate, 0.0,
                      covariance / ops.where(degenerate, 1.0, variance))
    return scale, mean_true - scale * mean_pred


def _gradient_matching(residual, mask, num_scales, count):
    """sum_k sum_i (|dx R^k_i| + |dy R^k_i|) / M over the valid pairs of
    neighbours, R^k the residual subsampled by 2^k (k = 0 .. K - 1)."""
    total = 0.0
    for level in range(num_scales):
        step = 2 ** level
        sub_residual = residual[:, ::step, ::step, :]
        sub_mask = mask[:, ::step, ::step, :]
        pairs_x = sub_mask[:, :, 1:, :] * sub_mask[:, :, :-1, :]
        pairs_y = sub_mask[:, 1:, :, :] * sub_mask[:, :-1, :, :]
        total += ops.sum(pairs_x * ops.abs(
            sub_residual[:, :, 1:, :] - sub_residual[:, :, :-1, :]),
            axis=(1, 2, 3))
        total += ops.sum(pairs_y * ops.abs(
            sub_residual[:, 1:, :, :] - sub_residual[:, :-1, :, :]),
            axis=(1, 2, 3))
    return total / count


def scale_shift_invariant_loss(y_true, y_pred, mask=None,
                               gradient_weight=0.5, num_scales=4):
    """Per-image scale- and shift-invariant loss (MiDaS `L_ssimse + alpha
    L_reg`).

    ```python
    s, t = argmin_{s,t} sum_i m_i (s p_i + t - y_i)^2     # per image
    R = m * (s p + t - y)
    L_ssi = sum_i R_i^2 / (2 M)                           # M = sum_i m_i
    L_reg = sum_k sum_i (|dx R^k_i| + |dy R^k_i|) / M     # k: 2^k-subsampled
    loss = L_ssi + gradient_weight * L_reg
    ```

    Args:
        y_true: float `(batch, height, width)` or `(..., channels)` targets
            (depth, disparity, shading).
        y_pred: float predictions of the same shape.
        mask: optional 0/1 validity of the same shape (an invalid target
            is ignored by the alignment and both terms). Defaults to the
            finite targets.
        gradient_weight: float >= 0, `alpha` of the gradient-matching
            term. Defaults to `0.5` (the paper's).
        num_scales: positive int, `K`, the scales of the gradient term.
            Defaults to `4` (the paper's).

    Returns:
        A float32 tensor `(batch,)`: each image's loss (0 for an image
        with no valid pixel).
    """
    validation.check_non_negative("gradient_weight", gradient_weight)
    validation.check_positive_int("num_scales", num_scales)
    y_true, y_pred = check_images("scale_shift_invariant_loss", y_true,
                                  y_pred)
    if mask is None:
        mask = valid_target_mask(y_true)
    else:
        mask = ops.cast(ops.reshape(ops.convert_to_tensor(mask),
                                    ops.shape(y_true)), "float32")
    # Invalid targets may be NaN or inf: zeroed, they reach no sum (the
    # mask multiplies them) and no gradient (`where`, not a product).
    y_true = ops.where(mask > 0, y_true, 0.0)
    scale, shift = scale_shift_alignment(y_pred, y_true, mask)
    residual = mask * (scale * y_pred + shift - y_true)
    count = ops.maximum(ops.sum(mask, axis=(1, 2, 3)), 1.0)
    loss = ops.sum(ops.square(residual), axis=(1, 2, 3)) / (2.0 * count)
    if gradient_weight:
        loss = loss + gradient_weight * _gradient_matching(
            residual, mask, num_scales, count)
    return loss
