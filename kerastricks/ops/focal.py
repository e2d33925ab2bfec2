"""The focal loss of "Focal Loss for Dense Object Detection" (Lin et al.,
2017, arXiv 1708.02002) for integer class ids."""

import keras
from keras import ops


def sparse_categorical_focal_loss(y_true, y_pred, gamma=2.0, alpha=None,
                                  from_logits=False):
    """Per-example -alpha[y] (1 - p_y)^gamma log p_y over the last axis.

    `y_true` holds class ids of `y_pred`'s shape without its last axis (or
    with size 1 there). From logits, log p_y is a log-softmax, exact even
    where p_y rounds to 0 or 1; from probabilities, `y_pred` is normalized
    to sum to 1 and clipped to [epsilon, 1 - epsilon] as Keras's
    cross-entropies do. `alpha` is None or a sequence of per-class weights.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    if keras.backend.standardize_dtype(y_pred.dtype) in ("float16",
                                                         "bfloat16"):
        y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(ops.convert_to_tensor(y_true), "int32")
    if len(y_true.shape) == len(y_pred.shape):
        y_true = ops.squeeze(y_true, axis=-1)
    if from_logits:
        log_probabilities = ops.log_softmax(y_pred, axis=-1)
    else:
        epsilon = keras.config.epsilon()
        probabilities = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        log_probabilities = ops.log(
            ops.clip(probabilities, epsilon, 1.0 - epsilon))
    log_p = ops.take_along_axis(log_probabilities, y_true[..., None],
                                axis=-1)[..., 0]
    # 1 - p as -expm1(log p): no cancellation when p is close to 1.
    modulating = ops.power(-ops.expm1(log_p), gamma)
    loss = -modulating * log_p
    if alpha is not None:
        class_weights = ops.convert_to_tensor(alpha, dtype=loss.dtype)
        loss = loss * ops.take(class_weights, y_true)
    return loss
