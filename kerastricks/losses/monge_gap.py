from kerastricks.api_export import kerastricks_export
from kerastricks.losses._entropic_transport_loss import EntropicTransportLoss
from kerastricks.ops import optimal_transport


@kerastricks_export("kerastricks.losses.MongeGap")
class MongeGap(EntropicTransportLoss):
    """The Monge gap: how far a map is from an optimal-transport map.

    A regularizer for learning transport maps `T` with any architecture:
    given reference samples `x` and their images `T(x)`, it compares the
    cost of moving every point to its own image with the entropic
    optimal-transport cost between the two clouds. The own-image coupling
    is one of the couplings OT minimizes over, so the gap is >= 0 (up to
    the entropic bias, >= -ε log n), and it vanishes when `T` moves mass
    optimally for the cost: for the squared cost, when `T` is the gradient
    of a convex function (Brenier). Fit a map by minimizing a fitting term
    between `T#mu` and the target (e.g.
    `kerastricks.losses.SinkhornDivergence`) plus `weight * MongeGap`.

    It is a loss and not a `keras.regularizers.Regularizer` because it
    needs both the inputs and the outputs of the map (a regularizer sees
    weights, an activity regularizer only outputs): pass the reference
    samples as `y_true` and the model's outputs `T(x)` as `y_pred`, e.g.
    `model.fit(x, x)` for the gap alone or as one of a multi-output
    model's losses with `loss_weights`.

    ```python
    gap = sum_i rho_i * cost(x_i, T(x_i)) - W_eps(rho, T#rho)
    # x = y_true, T(x) = y_pred, rho = normalized sample_weight or uniform
    ```

    Args:
        epsilon: positive float, the entropic regularization (ε), or `None`
            for `0.05 * mean(C)` with `C[i, j] = cost(x_i, T(x_j))`, held
            constant for the gradient. Defaults to `None`.
        num_iterations: positive int, the Sinkhorn iterations. Defaults to
            `100`.
        cost: `"squared_euclidean"` (`|x - y|^2`) or `"euclidean"`.
            Defaults to `"squared_euclidean"`.
        reduction: the Keras loss reduction (the gap is a batch statistic,
            so it has no effect). Defaults to `"sum_over_batch_size"`.
        name: string. Defaults to `"monge_gap"`.
        dtype: the loss's output dtype. Defaults to `None`.

    Example:

    >>> gap = kerastricks.losses.MongeGap(epsilon=0.01)
    >>> x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]], "float32")
    >>> abs(float(gap(x, 2.0 * x + 1.0))) < 0.02  # a convex gradient
    True
    >>> round(float(gap(x, x[::-1])), 2)  # swaps two points: 8/3 too far
    2.66

    References:
        - [Uscidda and Cuturi, 2023](https://arxiv.org/abs/2302.04953),
          "The Monge Gap: A Regularizer to Learn All Transport Maps".
    """

    same_size = True

    def __init__(
        self,
        epsilon=None,
        num_iterations=100,
        cost="squared_euclidean",
        reduction="sum_over_batch_size",
        name="monge_gap",
        dtype=None,
    ):
        super().__init__(epsilon, num_iterations, cost, reduction, name,
                         dtype)

    def _transport(self, y_true, y_pred, weights):
        return optimal_transport.monge_gap(
            y_true, y_pred, weights=weights, epsilon=self.epsilon,
            num_iterations=self.num_iterations, cost=self.cost)
