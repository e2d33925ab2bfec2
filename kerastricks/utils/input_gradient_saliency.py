from kerastricks.api_export import kerastricks_export
from kerastricks.utils import _saliency
from kerastricks.utils import validation


@kerastricks_export("kerastricks.utils.input_gradient_saliency")
def input_gradient_saliency(model, x, target_class=None,
                            multiply_by_input=False):
    """The gradient of a class logit with respect to the input.

    The simplest saliency map (Simonyan et al.): how much each input value
    changes the explained logit. With `multiply_by_input=True` it returns
    gradient x input (Shrikumar et al.), which for a linear model is each
    input's exact contribution to the logit. Works on any functional or
    Sequential model with one input and one output; the model runs in
    inference mode.

    ```python
    c = target_class or argmax(model(x))       # per example
    vanilla = d logit_c / d x
    gradient_x_input = x * d logit_c / d x
    ```

    For display, Simonyan et al. take `max(abs(map))` over the channels.

    Args:
        model: a functional or Sequential `keras.Model` (one input, one
            output: logits).
        x: float array, a batch of inputs.
        target_class: None (each example's predicted class), an int, or
            one int per example. Defaults to `None`.
        multiply_by_input: bool, return gradient x input. Defaults to
            `False`.

    Returns:
        A NumPy array of the shape of `x`.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> saliency = kerastricks.utils.input_gradient_saliency(
    ...     model, np.random.rand(2, 4).astype("float32"), target_class=1)
    >>> saliency.shape
    (2, 4)

    References:
        - [Simonyan et al., 2014](https://arxiv.org/abs/1312.6034), "Deep
          Inside Convolutional Networks: Visualising Image Classification
          Models and Saliency Maps".
        - [Shrikumar et al., 2016](https://arxiv.org/abs/1605.01713), "Not
          Just a Black Box: Learning Important Features Through Propagating
          Activation Differences" (gradient x input).
    """
    owner = "input_gradient_saliency"
    _saliency.check_model(owner, model)
    validation.check_bool("multiply_by_input", multiply_by_input)
    x = _saliency.check_images(owner, x)
    mask = _saliency.class_mask(model, x, target_class)
    gradient = _saliency.score_gradient(model, [x], mask, wrt=0)
    return gradient * x if multiply_by_input else gradient
