import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import _saliency


@kerastricks_export("kerastricks.utils.norm_grad")
def norm_grad(model, x, layer_name, target_class=None):
    """NormGrad: the norm of the weight gradient a location would get.

    Imagine a 1x1 convolution inserted after the chosen layer (the paper's
    "virtual identity"): the gradient of its weights at location (i, j) is
    the outer product of the gradient and the activation there, whose
    Frobenius norm is the product of their norms. NormGrad maps that norm:
    the pixels that matter for training on the explained class. Unlike
    Grad-CAM it keeps each location's own gradient (no channel average) and
    is non-negative by construction.

    ```python
    c = target_class or argmax(model(x))
    g = d logit_c / d A
    norm_grad[i, j] = norm(A[i, j, :]) * norm(g[i, j, :])
    ```

    Args:
        model: a functional or Sequential `keras.Model` (one input, one
            output: logits).
        x: float array, a batch of images `(batch, height, width,
            channels)`.
        layer_name: str, the name of a layer with 4-D output.
        target_class: None (each example's predicted class), an int, or
            one int per example. Defaults to `None`.

    Returns:
        A NumPy array `(batch, layer height, layer width)`.

    Example:

    >>> inputs = keras.Input((6, 6, 1))
    >>> features = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    >>> pooled = keras.layers.GlobalAveragePooling2D()(features)
    >>> model = keras.Model(inputs, keras.layers.Dense(3)(pooled))
    >>> kerastricks.utils.norm_grad(
    ...     model, np.random.rand(2, 6, 6, 1).astype("float32"), "conv").shape
    (2, 4, 4)

    References:
        - [Rebuffi et al., 2019](https://arxiv.org/abs/1910.08823),
          "NormGrad: Finding the Pixels that Matter for Training".
    """
    activations, gradients = _saliency.layer_activations_and_gradients(
        "norm_grad", model, x, layer_name, target_class)
    return (np.linalg.norm(activations, axis=-1)
            * np.linalg.norm(gradients, axis=-1))
