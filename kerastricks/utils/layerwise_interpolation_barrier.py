import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import _interpolation


def _layers_with_weights(model):
    """(name, indices into model.weights) of each innermost layer owning
    weights, in model order."""
    position = {id(v): i for i, v in enumerate(model.weights)}
    found = []

    def walk(container):
        for layer in container.layers:
            if isinstance(layer, keras.Model):
                walk(layer)
            elif layer.weights:
                found.append(
                    (layer.name, sorted(position[id(v)] for v in layer.weights))
                )

    walk(model)
    return found


@kerastricks_export("kerastricks.utils.layerwise_interpolation_barrier")
def layerwise_interpolation_barrier(
    model,
    weights_a,
    weights_b,
    data,
    num_points=11,
    batch_size=None,
    plot_path=None,
):
    """The interpolation barrier of each layer moved alone.

    Only that layer moves from `weights_a` to `weights_b`; every other layer
    stays at `weights_a`. "Landscaping Linear Mode Connectivity" shows that
    the barrier height predicts linear mode connectivity layer by layer:
    averaging a single layer of two networks often costs nothing, while the
    layers where the loss rises along the one-layer path are the ones that
    break the connectivity of the whole networks. This utility reports, per
    layer holding weights, the loss and accuracy along that one-layer path
    and its barrier (the same definition as `interpolation_barrier`). The
    model's weights are restored afterwards.

    ```python
    for layer l:
        theta_l(alpha) = weights_a with layer l set to
                         (1 - alpha) * a_l + alpha * b_l
        barrier_l = max_alpha loss(theta_l(alpha)) - chord(alpha)
    ```

    Args:
        model: a compiled `keras.Model`.
        weights_a: list of arrays, as `model.get_weights()` returns.
        weights_b: list of arrays of the same shapes.
        data: `(x, y)` where the loss is evaluated.
        num_points: int >= 2, the evenly spaced alphas in [0, 1].
            Defaults to `11`.
        batch_size: positive int or `None`. Defaults to `None`.
        plot_path: `None` or a path where a PNG with one loss curve per
            layer is saved (needs matplotlib). Defaults to `None`.

    Returns:
        A dict from layer name to the dict `interpolation_barrier` returns
        for that layer's path.

    Example:

    >>> model = keras.Sequential([keras.Input((3,)),
    ...                           keras.layers.Dense(4, name="hidden"),
    ...                           keras.layers.Dense(2, name="head")])
    >>> model.compile(loss="mse")
    >>> x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    >>> weights = model.get_weights()
    >>> result = kerastricks.utils.layerwise_interpolation_barrier(
    ...     model, weights, weights, (x, y), num_points=3)
    >>> sorted(result), result["head"]["barrier"]
    (['head', 'hidden'], 0.0)

    References:
        - [Singh et al., 2024](https://arxiv.org/abs/2406.16300),
          "Landscaping Linear Mode Connectivity", ICML 2024 HiLD workshop.
        - [Adilova et al., 2024](https://arxiv.org/abs/2307.06966),
          "Layer-wise Linear Mode Connectivity", ICLR 2024.
    """
    x, y, weights_a, weights_b = _interpolation.check_path_arguments(
        model, weights_a, weights_b, data, num_points, batch_size, plot_path
    )
    results = {}
    for name, indices in _layers_with_weights(model):
        results[name] = _interpolation.barrier_along_line(
            model,
            weights_a,
            weights_b,
            x,
            y,
            num_points,
            batch_size,
            selected=set(indices),
        )
    if plot_path is not None:
        _interpolation.save_curves(
            results, plot_path, "Loss along one-layer paths"
        )
    return results
