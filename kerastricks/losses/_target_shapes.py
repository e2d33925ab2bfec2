"""The shape check of losses whose targets match `y_pred` elementwise."""

from keras import ops

from kerastricks.utils import validation


def _without_trailing_ones(shape):
    shape = list(shape)
    while shape and shape[-1] == 1:
        shape.pop()
    return tuple(shape)


def _shapes_agree(true_shape, pred_shape):
    true_shape = _without_trailing_ones(true_shape)
    pred_shape = _without_trailing_ones(pred_shape)
    return len(true_shape) == len(pred_shape) and all(
        a is None or b is None or a == b
        for a, b in zip(true_shape, pred_shape))


def check_elementwise_targets(loss_name, y_true, y_pred, what):
    """Floating `y_pred` and `y_true` of its shape up to trailing size-1
    axes (`what` names one target in the error); returns `y_true`
    reshaped to `y_pred`'s shape, and `y_pred`."""
    y_pred = validation.check_predictions(loss_name, y_pred, min_rank=1)
    y_true = ops.convert_to_tensor(y_true)
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if not _shapes_agree(true_shape, pred_shape):
        raise ValueError(
            f"{loss_name} needs {what} per entry of `y_pred`: `y_true` of "
            "the shape of `y_pred` (up to trailing size-1 axes). Received: "
            f"y_true of shape {true_shape} and y_pred of shape {pred_shape}")
    return ops.reshape(y_true, ops.shape(y_pred)), y_pred
