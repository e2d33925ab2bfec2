import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.losses._target_shapes import check_elementwise_targets
from kerastricks.ops.metric_learning import contrastive_margin_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.ContrastiveMarginLoss")
class ContrastiveMarginLoss(keras.losses.Loss):
    """Contrastive loss on pair distances with a margin, as tensorflow-addons.

    The siamese-network loss of Hadsell, Chopra and LeCun: the distance of
    a similar pair is pulled to 0, the distance of a dissimilar pair is
    pushed beyond `margin` (and left alone once it is). `y_pred` holds the
    distances of the pairs (e.g. the Euclidean distance of two embeddings
    from a shared encoder), `y_true` 1 for a similar pair and 0 for a
    dissimilar one. Named for its margin to keep it apart from the
    batch-wise contrastive losses (`SupervisedContrastiveLoss`,
    `NTXentLoss`); it is `tfa.losses.ContrastiveLoss`.

    ```python
    loss = y * d**2 + (1 - y) * max(margin - d, 0)**2     # elementwise
    ```

    `y_true` must have the shape of `y_pred` up to trailing size-1 axes
    (so `(batch,)` labels with `(batch, 1)` distances work).

    Args:
        margin: float > 0, the distance beyond which dissimilar pairs cost
            nothing. Defaults to `1.0`.
        reduction: the Keras loss reduction. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"contrastive_margin_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.ContrastiveMarginLoss(margin=1.0)
    >>> similar = np.array([1.0, 0.0, 0.0], "float32")
    >>> distances = np.array([0.5, 0.25, 2.0], "float32")
    >>> round(float(loss(similar, distances)), 4)  # (0.25 + 0.5625 + 0) / 3
    0.2708

    References:
        - Hadsell, Chopra and LeCun, 2006, "Dimensionality Reduction by
          Learning an Invariant Mapping", CVPR 2006 (not on arXiv).
        - [Musgrave et al., 2020](https://arxiv.org/abs/2003.08505), "A
          Metric Learning Reality Check", ECCV 2020: this loss against
          later ones under one protocol.
        - tensorflow-addons `tfa.losses.ContrastiveLoss`, whose definition
          this follows.
    """

    def __init__(self, margin=1.0, reduction="sum_over_batch_size",
                 name="contrastive_margin_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = validation.check_positive("margin", margin)

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = check_elementwise_targets(
            "ContrastiveMarginLoss", y_true, y_pred,
            "one 0/1 similarity label")
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        return contrastive_margin_loss(y_true, y_pred, self.margin)

    def get_config(self):
        config = super().get_config()
        config["margin"] = self.margin
        return config
