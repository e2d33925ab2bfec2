import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.losses._target_shapes import check_elementwise_targets
from kerastricks.ops.pinball import pinball_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.PinballLoss")
class PinballLoss(keras.losses.Loss):
    """Pinball (quantile) loss, as tensorflow-addons.

    Trains a regressor to predict the `tau` quantile of the target instead
    of its mean: under-predictions cost `tau` per unit, over-predictions
    `1 - tau`. `tau=0.5` is half the mean absolute error (the median). Give
    a list of taus to predict several quantiles side by side (one per entry
    of the last axis, e.g. a 10 %, 50 % and 90 % forecast band).

    ```python
    e = y_true - y_pred
    loss = mean over the last axis of max(tau * e, (tau - 1) * e)
    ```

    `y_true` must have the shape of `y_pred` up to trailing size-1 axes,
    or hold one target for all the quantiles of the last axis (`(batch,
    1)` or `(batch,)` targets with `(batch, len(tau))` predictions).

    Args:
        tau: float in [0, 1], or a list of them (one per entry of the last
            axis of `y_pred`). Defaults to `0.5`.
        reduction: the Keras loss reduction. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"pinball_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.PinballLoss(tau=0.1)
    >>> y_true = np.array([[0.0, 0.0, 1.0, 1.0]], "float32")
    >>> y_pred = np.array([[1.0, 1.0, 1.0, 0.0]], "float32")
    >>> round(float(loss(y_true, y_pred)), 4)   # tensorflow-addons' example
    0.475

    References:
        - Koenker and Bassett, 1978, "Regression Quantiles", Econometrica.
        - [Lim et al., 2019](https://arxiv.org/abs/1912.09363), "Temporal
          Fusion Transformers for Interpretable Multi-horizon Time Series
          Forecasting": several quantiles trained at once with this loss.
        - tensorflow-addons `tfa.losses.PinballLoss`, whose definition this
          follows.
    """

    def __init__(self, tau=0.5, reduction="sum_over_batch_size",
                 name="pinball_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if isinstance(tau, (list, tuple)):
            if not tau:
                raise ValueError("Argument `tau` must be a float in [0, 1] "
                                 "or a non-empty list of them. Received: "
                                 "tau=[]")
            tau = [float(validation.check_in_range("tau", value, 0.0, 1.0))
                   for value in tau]
        else:
            tau = validation.check_in_range("tau", tau, 0.0, 1.0)
        self.tau = tau

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        pred_shape = tuple(y_pred.shape)
        if len(pred_shape) >= 2 and pred_shape[-1] not in (None, 1):
            true_shape = tuple(y_true.shape)
            if true_shape == pred_shape[:-1]:
                y_true = ops.expand_dims(y_true, -1)
            if tuple(y_true.shape) == pred_shape[:-1] + (1,):
                # One target shared by the quantiles of the last axis.
                y_true = ops.broadcast_to(y_true, ops.shape(y_pred))
        y_true, y_pred = check_elementwise_targets(
            "PinballLoss", y_true, y_pred, "one target")
        if isinstance(self.tau, list) and pred_shape[-1] not in (
                None, len(self.tau)):
            raise ValueError(
                "PinballLoss with a list `tau` needs one quantile per entry "
                f"of the last axis of y_pred ({pred_shape[-1]}). Received: "
                f"tau={self.tau!r}")
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        return pinball_loss(y_true, y_pred, self.tau)

    def get_config(self):
        config = super().get_config()
        config["tau"] = self.tau
        return config

