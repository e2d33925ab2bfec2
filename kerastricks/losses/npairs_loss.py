import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.metric_learning import npairs_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.NPairsLoss")
class NPairsLoss(keras.losses.Loss):
    """Multi-class N-pair loss on a similarity matrix, as tensorflow-addons.

    Generalizes the triplet loss from one negative to N - 1 at once: each
    row of the (batch, batch) similarity matrix is read as logits, and the
    columns sharing the row's label are its targets. Build a batch of N
    (anchor, positive) pairs of N different labels and let `y_pred` be the
    similarities `anchors @ positives.T`; it then learns faster and better
    than triplets with one negative each. `y_true` holds the integer labels
    of the rows (of the anchors, which are also those of the positives).

    ```python
    targets[i, j] = (y[i] == y[j]) / count_j(y[i] == y[j])
    loss(i) = -sum_j targets[i, j] * log_softmax(y_pred[i])[j]
    ```

    The loss is per row, so `reduction` and `sample_weight` act as for any
    Keras loss; the default mean over rows equals `tfa.losses.NpairsLoss`.
    The paper also adds an L2 penalty on the embeddings; add it to the
    model (e.g. `activity_regularizer`) if wanted.

    Args:
        reduction: the Keras loss reduction over rows. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"npairs_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.NPairsLoss()
    >>> labels = np.array([0, 1])
    >>> anchors = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    >>> positives = np.array([[2.0, 0.0], [0.0, 2.0]], "float32")
    >>> float(loss(labels, anchors @ positives.T)) < 0.2
    True

    References:
        - Sohn, 2016, "Improved Deep Metric Learning with Multi-class
          N-pair Loss Objective", NeurIPS 2016 (not on arXiv).
        - [van den Oord et al., 2018](https://arxiv.org/abs/1807.03748),
          "Representation Learning with Contrastive Predictive Coding":
          the same softmax over one positive and N - 1 negatives (InfoNCE).
        - tensorflow-addons `tfa.losses.NpairsLoss`, whose definition this
          follows.
    """

    def __init__(self, reduction="sum_over_batch_size", name="npairs_loss",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = validation.check_predictions("NPairsLoss", y_pred)
        shape = tuple(y_pred.shape)
        if len(shape) != 2 or (None not in shape and shape[0] != shape[1]):
            raise ValueError(
                "NPairsLoss expects a square (batch, batch) similarity "
                "matrix, e.g. `anchors @ positives.T`. Received: y_pred of "
                f"shape {shape}")
        y_true, y_pred = validation.check_loss_inputs(
            "NPairsLoss", y_true, y_pred, labels="sparse")
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        return npairs_loss(ops.cast(y_true, "int32"), y_pred)
