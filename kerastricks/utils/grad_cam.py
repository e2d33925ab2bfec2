import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import _saliency


@kerastricks_export("kerastricks.utils.grad_cam")
def grad_cam(model, x, layer_name, target_class=None):
    """Grad-CAM: where a convolutional layer sees evidence for a class.

    Weighs each channel k of the chosen layer's output A by the spatial
    mean of the gradient of the class logit with respect to it, sums the
    channels and keeps the positive part: a coarse map, at the layer's
    resolution, of the regions that raise the logit. Use the last
    convolutional layer for the most class-specific map. Works on any
    functional or Sequential model (skip connections included); the layer
    is chosen by name, and the model runs in inference mode.

    ```python
    c = target_class or argmax(model(x))
    alpha_k = mean_ij d logit_c / d A[i, j, k]
    grad_cam = relu(sum_k alpha_k * A[:, :, k])
    ```

    Args:
        model: a functional or Sequential `keras.Model` (one input, one
            output: logits).
        x: float array, a batch of images `(batch, height, width,
            channels)`.
        layer_name: str, the name of a layer with 4-D output (a
            convolution, usually the last).
        target_class: None (each example's predicted class), an int, or
            one int per example. Defaults to `None`.

    Returns:
        A NumPy array `(batch, layer height, layer width)`, not upsampled
        (`kerastricks.utils.saliency_overlay` resizes it to the image).

    Example:

    >>> inputs = keras.Input((6, 6, 1))
    >>> features = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    >>> pooled = keras.layers.GlobalAveragePooling2D()(features)
    >>> model = keras.Model(inputs, keras.layers.Dense(3)(pooled))
    >>> cam = kerastricks.utils.grad_cam(
    ...     model, np.random.rand(2, 6, 6, 1).astype("float32"), "conv")
    >>> cam.shape
    (2, 4, 4)

    References:
        - [Selvaraju et al., 2017](https://arxiv.org/abs/1610.02391),
          "Grad-CAM: Visual Explanations from Deep Networks via
          Gradient-based Localization".
    """
    activations, gradients = _saliency.layer_activations_and_gradients(
        "grad_cam", model, x, layer_name, target_class)
    weights = gradients.mean(axis=(1, 2), keepdims=True)
    return np.maximum(np.sum(weights * activations, axis=-1), 0.0)
