import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.contrastive import nt_xent_loss
from kerastricks.utils import validation


@kerastricks_export("kerastricks.losses.NTXentLoss")
class NTXentLoss(keras.losses.Loss):
    """NT-Xent (normalized temperature-scaled cross-entropy, InfoNCE) loss.

    SimCLR's self-supervised objective: two augmented views of each example
    should be each other's nearest neighbour among all 2N embeddings of the
    batch. `y_pred` stacks the views along the batch axis: rows `i` and
    `i + N` are the two views of example `i` (e.g.
    `concatenate([encoder(view_1), encoder(view_2)])`); `y_true` is ignored
    (pass zeros).

    ```python
    z = y_pred / |y_pred|;   s_ij = z_i . z_j / temperature
    loss_i = -log( exp(s_i,partner(i)) / sum_{k != i} exp(s_ik) )
    partner(i) = (i + N) mod 2N
    ```

    Args:
        temperature: float > 0. Defaults to `0.1` (SimCLR's default).
        reduction: the Keras loss reduction over the 2N rows. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"nt_xent_loss"`.
        dtype: the loss dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.NTXentLoss(temperature=0.5)
    >>> views = np.array([[1, 0], [0, 1], [1, 0.1], [0.1, 1]], "float32")
    >>> float(loss(np.zeros(4), views)) < 0.5
    True

    References:
        - [Chen et al., 2020](https://arxiv.org/abs/2002.05709), "A Simple
          Framework for Contrastive Learning of Visual Representations".
    """

    def __init__(self, temperature=0.1, reduction="sum_over_batch_size",
                 name="nt_xent_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = validation.check_positive("temperature",
                                                     temperature)

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Before `keras.losses.Loss.__call__` casts both to the loss dtype.
        y_pred = validation.check_embeddings("NTXentLoss", y_pred,
                                             paired_views=True)
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        return nt_xent_loss(y_pred, self.temperature)

    def get_config(self):
        config = super().get_config()
        config["temperature"] = self.temperature
        return config
