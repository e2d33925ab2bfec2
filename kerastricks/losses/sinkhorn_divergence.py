from kerastricks.api_export import kerastricks_export
from kerastricks.losses._entropic_transport_loss import EntropicTransportLoss
from kerastricks.ops import optimal_transport


@kerastricks_export("kerastricks.losses.SinkhornDivergence")
class SinkhornDivergence(EntropicTransportLoss):
    """The debiased Sinkhorn divergence between two batches of points.

    A distance between the empirical distribution of `y_true` and that of
    `y_pred` (each row one point; trailing axes are flattened), not a
    per-example error: the points need not be paired, so it fits a map or
    a generator to *samples* of a target distribution. It is the entropic
    optimal-transport cost debiased so that it is zero for equal clouds,
    computed with log-domain Sinkhorn iterations (stable for small
    `epsilon`) of a fixed count, so a compiled step traces it once and
    differentiates through the unrolled loop.

    ```python
    C_xy[i, j] = cost(y_pred_i, y_true_j)
    W(a, b) = <f, a> + <g, b>       # Sinkhorn potentials after n iterations
    loss = W(pred, true) - (W(pred, pred) + W(true, true)) / 2
    ```

    `sample_weight` gives each row's mass (normalized) in both clouds, so
    the loss is one value per batch and every reduction returns it
    unchanged.

    Args:
        epsilon: positive float, the entropic regularization (ε), or `None`
            for `0.05 * mean(C_xy)`, a scale-free choice held constant for
            the gradient. Defaults to `None`.
        num_iterations: positive int, the Sinkhorn iterations. Defaults to
            `100`.
        cost: `"squared_euclidean"` (`|x - y|^2`) or `"euclidean"`.
            Defaults to `"squared_euclidean"`.
        reduction: the Keras loss reduction (the value is a batch
            statistic, so it has no effect). Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"sinkhorn_divergence"`.
        dtype: the loss's output dtype. Defaults to `None`.

    Example:

    >>> loss = kerastricks.losses.SinkhornDivergence(epsilon=0.1)
    >>> points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], "float32")
    >>> round(float(loss(points, points)), 4)
    0.0
    >>> round(float(loss(points, points + 1.0)), 2)  # |shift|^2
    2.0

    References:
        - [Uscidda and Cuturi, 2023](https://arxiv.org/abs/2302.04953),
          "The Monge Gap: A Regularizer to Learn All Transport Maps" (the
          fitting term of its pipeline).
        - [Genevay, Peyré and Cuturi, 2018](https://arxiv.org/abs/1706.00292),
          "Learning Generative Models with Sinkhorn Divergences".
    """

    def __init__(
        self,
        epsilon=None,
        num_iterations=100,
        cost="squared_euclidean",
        reduction="sum_over_batch_size",
        name="sinkhorn_divergence",
        dtype=None,
    ):
        super().__init__(epsilon, num_iterations, cost, reduction, name,
                         dtype)

    def _transport(self, y_true, y_pred, weights):
        return optimal_transport.sinkhorn_divergence(
            y_pred, y_true, x_weights=weights, y_weights=weights,
            epsilon=self.epsilon, num_iterations=self.num_iterations,
            cost=self.cost)
