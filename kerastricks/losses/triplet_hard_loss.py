import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.losses import _metric_learning_inputs as inputs
from kerastricks.ops.metric_learning import triplet_hard_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.TripletHardLoss")
class TripletHardLoss(keras.losses.Loss):
    """Triplet loss with batch-hard mining, as tensorflow-addons.

    Each anchor is compared with its hardest positive (the farthest example
    of its label) and its hardest negative (the closest example of another
    label), and the loss pushes the first below the second by a margin.
    Batch-hard mining is the strong default of person re-identification;
    the soft variant replaces the hinge by a softplus, which keeps pulling
    positives in after the margin is met. Use batches of P labels times K
    examples. `y_true` holds integer labels, `y_pred` the embeddings.

    ```python
    d = pairwise distances of y_pred (distance_metric)
    d_p(a) = max {d(a, p) : label p == label a, p != a}
    d_n(a) = min {d(a, n) : label n != label a}
    loss(a) = softplus(d_p - d_n) if soft else max(d_p - d_n + margin, 0)
    ```

    The loss is per anchor, so `reduction` and `sample_weight` act as for
    any Keras loss; the default mean over anchors equals
    `tfa.losses.TripletHardLoss`. An anchor with no positive in the batch
    takes the smallest entry of its distance row as d_p, one with no
    negative the largest as d_n (as tensorflow-addons).

    Args:
        margin: float, the margin of the hinge (unused when `soft`).
            Defaults to `1.0`.
        soft: bool, use the soft-margin (softplus) form. Defaults to
            `False`.
        distance_metric: `"L2"`, `"squared-L2"`, `"angular"` (1 - cosine
            similarity) or a function of the embeddings returning their
            (batch, batch) distance matrix in `keras.ops`. Defaults to
            `"L2"`.
        reduction: the Keras loss reduction over anchors. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"triplet_hard_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.TripletHardLoss()
    >>> labels = np.array([0, 0])
    >>> embeddings = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
    >>> round(float(loss(labels, embeddings)), 4)
    1.0

    References:
        - [Hermans et al., 2017](https://arxiv.org/abs/1703.07737), "In
          Defense of the Triplet Loss for Person Re-Identification".
        - tensorflow-addons `tfa.losses.TripletHardLoss`, whose definition
          this follows.
    """

    def __init__(self, margin=1.0, soft=False, distance_metric="L2",
                 reduction="sum_over_batch_size", name="triplet_hard_loss",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = validation.check_number("margin", margin)
        self.soft = validation.check_bool("soft", soft)
        self.distance_metric = inputs.check_distance_metric(distance_metric)

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Before `keras.losses.Loss.__call__` casts both to the loss dtype.
        y_true, y_pred = inputs.check_embedding_inputs(
            "TripletHardLoss", y_true, y_pred)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        labels = ops.cast(y_true, "int32")  # ids, cast to float by Keras
        return triplet_hard_loss(labels, y_pred, self.margin, self.soft,
                                 self.distance_metric)

    def get_config(self):
        config = super().get_config()
        config.update({
            "margin": self.margin,
            "soft": self.soft,
            "distance_metric": inputs.serialize_distance_metric(
                self.distance_metric),
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**inputs.deserialize_distance_metric(config))
