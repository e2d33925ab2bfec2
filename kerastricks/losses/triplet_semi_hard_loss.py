import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.losses import _metric_learning_inputs as inputs
from kerastricks.ops.metric_learning import triplet_semihard_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.TripletSemiHardLoss")
class TripletSemiHardLoss(keras.losses.Loss):
    """Triplet loss with semi-hard negative mining, as tensorflow-addons.

    Learns embeddings where examples of one label sit closer together than
    to any other label by a margin (FaceNet). Every anchor-positive pair of
    the batch is paired with its semi-hard negative: the closest negative
    that is still farther than the positive. Mining semi-hard rather than
    hardest negatives avoids collapsed embeddings early in training. Use
    batches holding several examples per label. `y_true` holds integer
    labels, `y_pred` the embeddings (L2-normalize them, e.g. with
    `keras.layers.UnitNormalization`, for the `"L2"` metric).

    ```python
    d = pairwise distances of y_pred (distance_metric)
    for every anchor a and positive p (same label, p != a):
        n = argmin {d(a, n) : label n != label a, d(a, n) > d(a, p)}
            (none: the farthest negative of a)
        l(a, p) = max(margin + d(a, p) - d(a, n), 0)
    loss = mean over all (a, p) of l(a, p)      # one value per batch
    ```

    The loss is a batch statistic: `reduction` is accepted for API
    compatibility but the result is always the single batch value, and a
    `sample_weight` (batch,) weights each pair by its anchor's weight. A
    batch without any positive pair gives 0 where tensorflow-addons gives
    NaN; otherwise the values equal `tfa.losses.TripletSemiHardLoss`.

    Args:
        margin: float, the margin of the hinge. Defaults to `1.0`.
        distance_metric: `"L2"`, `"squared-L2"`, `"angular"` (1 - cosine
            similarity) or a function of the embeddings returning their
            (batch, batch) distance matrix in `keras.ops` (register it
            with `keras.saving.register_keras_serializable` to save
            models). Defaults to `"L2"`.
        reduction: accepted for compatibility. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"triplet_semi_hard_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.TripletSemiHardLoss()
    >>> labels = np.array([0, 0])
    >>> embeddings = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
    >>> round(float(loss(labels, embeddings)), 4)   # 1 + sqrt(2), no negative
    2.4142

    References:
        - [Schroff et al., 2015](https://arxiv.org/abs/1503.03832),
          "FaceNet: A Unified Embedding for Face Recognition and
          Clustering", CVPR 2015.
        - tensorflow-addons `tfa.losses.TripletSemiHardLoss`, whose
          definition this follows.
    """

    def __init__(self, margin=1.0, distance_metric="L2",
                 reduction="sum_over_batch_size",
                 name="triplet_semi_hard_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = validation.check_number("margin", margin)
        self.distance_metric = inputs.check_distance_metric(distance_metric)

    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            loss = self._loss(y_true, y_pred, sample_weight)
            return ops.cast(loss, self.dtype or keras.config.floatx())

    def call(self, y_true, y_pred):
        return self._loss(y_true, y_pred)

    def _loss(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = inputs.check_embedding_inputs(
            "TripletSemiHardLoss", y_true, y_pred)
        return triplet_semihard_loss(y_true, y_pred, self.margin,
                                     self.distance_metric, sample_weight)

    def get_config(self):
        config = super().get_config()
        config["margin"] = self.margin
        config["distance_metric"] = inputs.serialize_distance_metric(
            self.distance_metric)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**inputs.deserialize_distance_metric(config))
