from kerastricks.api_export import kerastricks_export
from kerastricks.utils import _interpolation


@kerastricks_export("kerastricks.utils.interpolation_barrier")
def interpolation_barrier(
    model,
    weights_a,
    weights_b,
    data,
    num_points=11,
    batch_size=None,
    plot_path=None,
):
    """The loss barrier on the straight line between two weight sets.

    Two solutions are linearly mode connected when the loss stays low on the
    segment between them. "Landscaping Linear Mode Connectivity" measures
    this by the barrier height: the largest gap between the loss on the line
    and the straight chord between the endpoint losses. A barrier near 0
    means the two networks can be averaged (model soups, merging, the
    stability of a pruned network to SGD noise); a high one means they sit
    in different basins. The model's weights are restored afterwards.

    ```python
    theta(alpha) = (1 - alpha) * weights_a + alpha * weights_b
    barrier = max_alpha loss(theta(alpha))
              - ((1 - alpha) * loss(weights_a) + alpha * loss(weights_b))
    ```

    Args:
        model: a compiled `keras.Model` (its loss is the loss measured; an
            accuracy metric, if compiled, is reported too).
        weights_a: list of arrays, as `model.get_weights()` returns.
        weights_b: list of arrays of the same shapes.
        data: `(x, y)` where the loss is evaluated.
        num_points: int >= 2, the evenly spaced alphas in [0, 1], endpoints
            included. Defaults to `11`.
        batch_size: positive int or `None` (Keras's default).
            Defaults to `None`.
        plot_path: `None` or a path where a PNG of the loss curve is saved
            (needs matplotlib). Defaults to `None`.

    Returns:
        A dict with `"alphas"`, `"losses"`, `"accuracies"` (NaN without an
        accuracy metric), `"barrier"` and `"argmax_alpha"` (where the
        barrier is reached).

    Example:

    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> model.compile(loss="mse")
    >>> x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    >>> weights = model.get_weights()
    >>> result = kerastricks.utils.interpolation_barrier(
    ...     model, weights, weights, (x, y), num_points=3)
    >>> result["barrier"]
    0.0

    References:
        - [Singh et al., 2024](https://arxiv.org/abs/2406.16300),
          "Landscaping Linear Mode Connectivity", ICML 2024 HiLD workshop.
        - [Frankle et al., 2020](https://arxiv.org/abs/1912.05671), "Linear
          Mode Connectivity and the Lottery Ticket Hypothesis", ICML 2020.
    """
    x, y, weights_a, weights_b = _interpolation.check_path_arguments(
        model, weights_a, weights_b, data, num_points, batch_size, plot_path
    )
    result = _interpolation.barrier_along_line(
        model, weights_a, weights_b, x, y, num_points, batch_size
    )
    if plot_path is not None:
        _interpolation.save_curves(
            {"all weights": result}, plot_path, "Loss along the linear path"
        )
    return result
