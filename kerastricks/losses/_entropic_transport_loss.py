"""What `SinkhornDivergence` and `MongeGap` share: the entropic
optimal-transport options, the call-time point checks and the batch-level
call that treats `sample_weight` as masses."""

import keras
from keras import ops

from kerastricks.ops import optimal_transport


class EntropicTransportLoss(keras.losses.Loss):
    """Base of the transport losses; subclasses set `same_size` (whether
    the two clouds must have as many points) and implement
    `_transport(y_true, y_pred, weights)`."""

    same_size = False

    def __init__(self, epsilon, num_iterations, cost, reduction, name,
                 dtype):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        optimal_transport.check_options(epsilon, num_iterations, cost)
        self.epsilon = epsilon
        self.num_iterations = num_iterations
        self.cost = cost

    def _transport(self, y_true, y_pred, weights):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        # A batch statistic: sample_weight are the points' masses, not
        # per-example factors, and no reduction applies.
        with keras.name_scope(self.name):
            y_true, y_pred = optimal_transport.check_loss_points(
                type(self).__name__, y_true, y_pred,
                same_size=self.same_size)
            value = self._transport(y_true, y_pred, sample_weight)
            return ops.cast(value, self.dtype or keras.config.floatx())

    def call(self, y_true, y_pred):
        return self._transport(y_true, y_pred, None)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "epsilon": self.epsilon,
                "num_iterations": self.num_iterations,
                "cost": self.cost,
            }
        )
        return config
