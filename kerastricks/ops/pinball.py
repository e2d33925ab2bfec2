"""The pinball (quantile) loss of quantile regression (Koenker and Bassett,
1978), as tensorflow-addons' `pinball_loss`."""

from keras import ops


def pinball_loss(y_true, y_pred, tau=0.5):
    """Mean over the last axis of max(tau (y - q), (tau - 1) (y - q)).

    `tau` is a float in [0, 1] or a sequence of them, one per entry of the
    last axis (several quantiles predicted side by side).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    tau = ops.convert_to_tensor(tau, dtype=y_pred.dtype)
    error = y_true - y_pred
    return ops.mean(ops.maximum(tau * error, (tau - 1.0) * error), axis=-1)
