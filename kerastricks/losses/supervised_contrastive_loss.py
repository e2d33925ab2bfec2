import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.contrastive import supervised_contrastive_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.SupervisedContrastiveLoss")
class SupervisedContrastiveLoss(keras.losses.Loss):
    """Supervised contrastive (SupCon) loss on a batch of embeddings.

    Pulls together the embeddings of examples that share a label and pushes
    apart the rest: every other example of the same class is a positive,
    all others are negatives. Pre-training an encoder with it, then fitting
    a linear classifier on the frozen embeddings, beats cross-entropy on
    robustness and often accuracy. `y_true` holds integer labels and
    `y_pred` the embeddings (any scale: they are L2-normalized here).

    ```python
    z = y_pred / |y_pred|;   s_ij = z_i . z_j / temperature
    for anchor i, positives P(i) = {p != i : y_p == y_i}:
        loss_i = -mean_{p in P(i)} log( exp(s_ip) / sum_{a != i} exp(s_ia) )
    ```

    Anchors without a positive in the batch contribute 0 (as the authors'
    code). Use batches holding several examples per class.

    Args:
        temperature: float > 0. Defaults to `0.07` (the authors' code).
        reduction: the Keras loss reduction over anchors. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"supervised_contrastive_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.SupervisedContrastiveLoss()
    >>> labels = np.array([0, 0, 1, 1])
    >>> embeddings = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1]], "float32")
    >>> float(loss(labels, embeddings)) < 0.01
    True

    References:
        - [Khosla et al., 2020](https://arxiv.org/abs/2004.11362),
          "Supervised Contrastive Learning", NeurIPS 2020.
    """

    def __init__(self, temperature=0.07, reduction="sum_over_batch_size",
                 name="supervised_contrastive_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = validation.check_positive("temperature",
                                                     temperature)

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Before `keras.losses.Loss.__call__` casts both to the loss dtype.
        y_pred = validation.check_embeddings("SupervisedContrastiveLoss",
                                             y_pred)
        y_true = validation.check_group_labels("SupervisedContrastiveLoss",
                                               y_true, y_pred)
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        return supervised_contrastive_loss(y_true, y_pred, self.temperature)

    def get_config(self):
        config = super().get_config()
        config["temperature"] = self.temperature
        return config
