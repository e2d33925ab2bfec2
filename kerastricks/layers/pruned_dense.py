import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation


def _check_inputs_shape(shape):
    """The feature count (last axis) of inputs of rank >= 2."""
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(
            "PrunedDense expects `inputs` of rank >= 2 (a batch axis and "
            f"the features last). Received: inputs of shape {shape} "
            f"(rank {len(shape)})"
        )
    if shape[-1] is None:
        raise ValueError(
            "PrunedDense needs a known last input dimension. Received: "
            f"inputs of shape {shape}"
        )
    return shape[-1]


@kerastricks_export("kerastricks.layers.PrunedDense")
class PrunedDense(keras.layers.Layer):
    """A `Dense` layer whose kernel is multiplied by a binary pruning mask.

    Unstructured weight pruning (magnitude or lottery-ticket style) zeroes
    a fraction of a layer's weights. Here the mask is a non-trainable
    weight, `kernel_mask` (ones at first), applied to the kernel in every
    forward pass, so a pruned weight contributes nothing and receives a
    zero gradient: it stays pruned through `model.fit`, compiled or not, and
    the mask is saved and loaded with the model. Masks are set from outside,
    by `kerastricks.utils.class_aware_iterative_pruning` or by hand with
    `kerastricks.ops.magnitude_pruning_mask`. The layer does not prune the
    bias, as the lottery-ticket papers keep biases dense.

    ```python
    outputs = activation(inputs @ (kernel * kernel_mask) + bias)
    ```

    Args:
        units: positive int, the output size.
        activation: Keras activation after the product. Defaults to `None`.
        use_bias: bool. Defaults to `True`.
        kernel_initializer: as in `keras.layers.Dense`.
            Defaults to `"glorot_uniform"`.
        bias_initializer: as in `keras.layers.Dense`. Defaults to `"zeros"`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: floating-point tensor `(batch, ..., features)`.

    Returns:
        A tensor `(..., units)`.

    Example:

    >>> layer = kerastricks.layers.PrunedDense(4)
    >>> outputs = layer(np.ones((2, 3), "float32"))
    >>> mask = kerastricks.ops.magnitude_pruning_mask(
    ...     keras.ops.abs(layer.kernel), layer.kernel_mask, sparsity=0.5)
    >>> _ = layer.kernel_mask.assign(mask)
    >>> float(keras.ops.sum(layer.kernel_mask))
    6.0

    References:
        - [Frankle & Carbin, 2019](https://arxiv.org/abs/1803.03635), "The
          Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural
          Networks", ICLR 2019.
        - [Entezari & Saukh, 2020](https://arxiv.org/abs/1909.10364),
          "Class-dependent Compression of Deep Neural Networks",
          SenSys-ML 2020.
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.activation = keras.activations.get(activation)
        self.use_bias = validation.check_bool("use_bias", use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        features = _check_inputs_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(features, self.units),
            initializer=self.kernel_initializer,
        )
        self.kernel_mask = self.add_weight(
            name="kernel_mask",
            shape=(features, self.units),
            initializer="ones",
            trainable=False,
            dtype="float32",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
            )

    def call(self, inputs):
        validation.check_floating_input("PrunedDense", "inputs", inputs)
        features = _check_inputs_shape(inputs.shape)
        if features != self.kernel.shape[0]:
            raise ValueError(
                "PrunedDense was built for inputs with "
                f"{self.kernel.shape[0]} features (last axis). Received: "
                f"inputs of shape {tuple(inputs.shape)}"
            )
        kernel = self.kernel * ops.cast(self.kernel_mask, self.kernel.dtype)
        outputs = ops.matmul(inputs, kernel)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
            }
        )
        return config
