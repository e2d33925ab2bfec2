import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.abet import temperature_scaled_logits
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.LearnedTemperatureHead")
class LearnedTemperatureHead(keras.layers.Layer):
    """A classifier head dividing its logits by a learned temperature.

    Replaces the last Dense layer of a classifier (AbeT, after GODIN).
    Besides the logits `f(h)` it learns an input-dependent temperature
    `T(h)` in (0, 1) from the same features. Training with cross-entropy
    on `f(h) / T(h)` lets the network lower the temperature on inputs it
    is sure of; the AbeT score of the scaled logits
    (`kerastricks.ops.abet_score`) then separates in-distribution from
    out-of-distribution inputs with no extra training stage, no
    hyperparameter and no test-time backward pass.

    ```python
    f = W h + b                                   # (batch, units)
    T = sigmoid(BatchNorm(w_t . h + b_t))         # (batch, 1)
    output = f / T
    score = -logsumexp(output, axis=-1)           # AbeT, higher = OOD
    ```

    The temperature is computed in float32 under mixed precision (a
    bfloat16 sigmoid rounds to 0 for very negative inputs).

    Args:
        units: positive int, the number of classes.
        kernel_initializer: initializer of both kernels. Defaults to
            `"glorot_uniform"`.
        momentum: float in [0, 1), the BatchNormalization momentum of the
            temperature branch. Defaults to `0.99` (Keras's).
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: features `(..., features)`.
        training: bool, BatchNormalization's mode.

    Returns:
        The temperature-scaled logits, `(..., units)`.

    Example:

    >>> head = kerastricks.layers.LearnedTemperatureHead(3)
    >>> scaled = head(np.random.rand(4, 8))
    >>> tuple(scaled.shape)
    (4, 3)
    >>> tuple(kerastricks.ops.abet_score(scaled).shape)
    (4,)

    References:
        - [LeVine et al., 2024](https://arxiv.org/abs/2401.12129),
          "Out-of-Distribution Detection & Applications With Ablated
          Learned Temperature Energy".
        - [Hsu et al., 2020](https://arxiv.org/abs/2002.11297),
          "Generalized ODIN: Detecting Out-of-distribution Image without
          Learning from Out-of-distribution Data".
    """

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.momentum = validation.check_in_range(
            "momentum", momentum, low=0, high=1, high_inclusive=False)
        self.logits = keras.layers.Dense(
            self.units, kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy, name="logits")
        self.temperature_projection = keras.layers.Dense(
            1, kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy, name="temperature_projection")
        # float32: the sigmoid below it must not round to 0.
        self.temperature_normalization = keras.layers.BatchNormalization(
            momentum=self.momentum, dtype="float32",
            name="temperature_normalization")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                "LearnedTemperatureHead expects `inputs` of rank >= 2 with "
                "a known feature (last) axis, (batch, ..., features). "
                f"Received: inputs of shape {input_shape}")
        self.logits.build(input_shape)
        self.temperature_projection.build(input_shape)
        self.temperature_normalization.build(tuple(input_shape[:-1]) + (1,))

    def temperature(self, inputs, training=None):
        """T(h) in (0, 1), float32, shape `(..., 1)`."""
        projected = ops.cast(self.temperature_projection(inputs), "float32")
        return ops.sigmoid(
            self.temperature_normalization(projected, training=training))

    def call(self, inputs, training=None):
        validation.check_floating_input(type(self).__name__, "inputs",
                                        inputs)
        logits = ops.cast(self.logits(inputs), "float32")
        scaled = temperature_scaled_logits(
            logits, self.temperature(inputs, training=training))
        return ops.cast(scaled, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer),
            "momentum": self.momentum,
        })
        return config
