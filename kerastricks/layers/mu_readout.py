import math

import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.mup import mup_readout
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.MuReadout")
class MuReadout(keras.layers.Layer):
    """The µP output layer: a Dense layer whose logits shrink with width.

    Under the maximal update parametrization (µP) the last layer's fan-in
    grows with the model width while its fan-out (classes, vocabulary) does
    not. A plain Dense layer then lets the logits grow with the width once
    training correlates features and weights. `MuReadout` divides its
    product by the width ratio `input_dim / base_input_dim`, so the logits
    stay O(1) and the best learning rate found at a small width carries to
    a large one. At the base width it is a Dense layer whose kernel is
    initialized with standard deviation `1 / sqrt(base_input_dim)`.

    ```python
    width_ratio = input_dim / base_input_dim
    kernel ~ Normal(0, 1 / base_input_dim)   # or zeros
    output = output_multiplier * (inputs @ kernel) / width_ratio + bias
    ```

    Use it with `kerastricks.optimizers.MuOptimizer`, whose learning-rate
    multipliers (`kerastricks.utils.mup_learning_rate_multipliers`) assume
    this readout. The computation runs in float32 under mixed precision.

    Args:
        units: positive int, the number of outputs.
        base_input_dim: positive int, the input size of this layer in the
            base-width model.
        output_multiplier: float > 0, a width-independent factor on the
            logits (a hyperparameter tuned at the base width). Defaults to
            `1.0`.
        use_bias: bool, whether to add a bias. Defaults to `True`.
        kernel_initializer: initializer, or `None` for the µP default
            `Normal(0, 1 / base_input_dim)`. `"zeros"` gives the zero-init
            readout that Tensor Programs V recommends. Defaults to `None`.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: features `(..., input_dim)`.

    Returns:
        The logits, `(..., units)`.

    Example:

    >>> readout = kerastricks.layers.MuReadout(10, base_input_dim=32)
    >>> tuple(readout(np.ones((2, 128), "float32")).shape)
    (2, 10)
    >>> readout.width_ratio
    4.0

    References:
        - [Yang & Hu, 2021](https://arxiv.org/abs/2011.14522), "Feature
          Learning in Infinite-Width Neural Networks".
        - [Yang et al., 2022](https://arxiv.org/abs/2203.03466), "Tensor
          Programs V: Tuning Large Neural Networks via Zero-Shot
          Hyperparameter Transfer".
    """

    def __init__(self, units, base_input_dim, output_multiplier=1.0,
                 use_bias=True, kernel_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.base_input_dim = validation.check_positive_int(
            "base_input_dim", base_input_dim)
        self.output_multiplier = validation.check_positive(
            "output_multiplier", output_multiplier)
        self.use_bias = validation.check_bool("use_bias", use_bias)
        self.kernel_initializer = (
            None if kernel_initializer is None
            else keras.initializers.get(kernel_initializer))
        self.width_ratio = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 1 or input_shape[-1] is None:
            raise ValueError(
                "MuReadout expects `inputs` with a known feature (last) "
                f"axis, (..., input_dim). Received: inputs of shape "
                f"{input_shape}")
        input_dim = int(input_shape[-1])
        self.width_ratio = input_dim / self.base_input_dim
        initializer = (
            self.kernel_initializer or keras.initializers.RandomNormal(
                stddev=1.0 / math.sqrt(self.base_input_dim)))
        self.kernel = self.add_weight(
            name="kernel", shape=(input_dim, self.units),
            initializer=initializer)
        self.bias = (
            self.add_weight(name="bias", shape=(self.units,),
                            initializer="zeros")
            if self.use_bias else None)

    def call(self, inputs):
        validation.check_floating_input(type(self).__name__, "inputs",
                                        inputs)
        # float32 even under mixed precision: the division by the width
        # ratio would otherwise round small logits in float16.
        kernel = ops.cast(self.kernel, "float32")
        outputs = mup_readout(ops.cast(inputs, "float32"), kernel,
                              self.width_ratio, self.output_multiplier)
        if self.bias is not None:
            outputs = outputs + ops.cast(self.bias, "float32")
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "base_input_dim": self.base_input_dim,
            "output_multiplier": self.output_multiplier,
            "use_bias": self.use_bias,
            "kernel_initializer": None if self.kernel_initializer is None
            else keras.initializers.serialize(self.kernel_initializer),
        })
        return config
