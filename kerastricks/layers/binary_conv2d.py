import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.layers._binary_layer import BinaryLayer
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.BinaryConv2D")
class BinaryConv2D(BinaryLayer):
    """A `Conv2D` layer with binary weights and (optionally) binary inputs.

    The convolutional counterpart of `kerastricks.layers.BinaryDense`: the
    layer keeps real-valued latent kernels and convolves the binarized
    inputs with the sign of the kernel times a scaling factor (per output
    channel, XNOR-Net's mean absolute latent weight, by default). The
    `estimator` chooses the surrogate gradient: the clipped
    straight-through estimator (`"ste"`), the Rectified STE (`"reste"`,
    with `kerastricks.callbacks.ReSTESchedule`), BiPer's periodic
    binarization (`"biper"`) or Bi-Real's ApproxSign (`"approx_sign"`).
    This is the layer of the binary ResNet and VGG bodies in the ReSTE and
    BiPer papers (first convolution and classifier real-valued, a
    BatchNormalization after each binary convolution).

    ```python
    k = binarize(kernel, estimator)             # (kh, kw, C, filters)
    k = k * mean(abs(kernel), axis=(0, 1, 2))   # kernel_scale="channel"
    x = binarize(inputs, input_estimator)       # if binary_activations
    outputs = activation(conv(x, k) + bias)     # zero padding
    ```

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or pair of ints.
        strides: int or pair of ints. Defaults to `1`.
        padding: `"valid"` or `"same"` (zeros, added after the inputs are
            binarized, as in the authors' code). Defaults to `"valid"`.
        dilation_rate: int or pair of ints. Defaults to `1`.
        data_format: `"channels_last"`, `"channels_first"` or `None` (the
            Keras default). Defaults to `None`.
        estimator: str, `"ste"`, `"reste"`, `"biper"` or `"approx_sign"`
            (see `BinaryDense`). Defaults to `"ste"`.
        binary_activations: bool, binarize the inputs too. Defaults to
            `True`.
        activation_estimator: `None` or `"ste"`, `"reste"`,
            `"approx_sign"`; `None` takes the one of the weight estimator's
            paper. Defaults to `None`.
        kernel_scale: `"channel"`, `"tensor"`, `"learned"` or `None` (see
            `BinaryDense`). Defaults to `"channel"`.
        threshold: positive float or `None` (1.0 for `"ste"`, 1.5 for
            `"reste"`). Defaults to `None`.
        root_degree: positive float, ReSTE's o at the start. Defaults to
            `1.0`.
        omega: positive float, BiPer's ω. Defaults to `20.0`, the authors'
            CIFAR-10 setting.
        activation: Keras activation after the convolution. Defaults to
            `None`.
        use_bias: bool. Defaults to `False`.
        kernel_initializer: as in `keras.layers.Conv2D`, for the latent weights.
        bias_initializer: as in `keras.layers.Conv2D`, for the latent weights.
        kernel_regularizer: as in `keras.layers.Conv2D`, for the latent weights.
        bias_regularizer: as in `keras.layers.Conv2D`, for the latent weights.
        kernel_constraint: as in `keras.layers.Conv2D`, for the latent weights.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: floating-point tensor `(batch, height, width, channels)`
            (or channels first).

    Returns:
        The convolution's output, `filters` channels.

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((8, 8, 1)),
    ...     keras.layers.Conv2D(8, 3, padding="same"),   # real-valued stem
    ...     keras.layers.BatchNormalization(),
    ...     kerastricks.layers.BinaryConv2D(8, 3, padding="same",
    ...                                     estimator="biper", omega=20.0),
    ...     keras.layers.BatchNormalization(),
    ...     keras.layers.GlobalAveragePooling2D(),
    ...     keras.layers.Dense(10),                      # real-valued head
    ... ])
    >>> model.compile(optimizer="adam", loss=keras.losses.
    ...     SparseCategoricalCrossentropy(from_logits=True))
    >>> _ = model.fit(np.random.rand(4, 8, 8, 1), np.arange(4), verbose=0)

    References:
        - [Wu et al., 2023](https://arxiv.org/abs/2308.06689), "Estimator
          Meets Equilibrium Perspective: A Rectified Straight Through
          Estimator for Binary Neural Networks Training", ICCV 2023.
        - [Vargas et al., 2024](https://arxiv.org/abs/2404.01278), "BiPer:
          Binary Neural Networks using a Periodic Function", CVPR 2024.
        - [Rastegari et al., 2016](https://arxiv.org/abs/1603.05279),
          "XNOR-Net: ImageNet Classification Using Binary Convolutional
          Neural Networks", ECCV 2016.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 dilation_rate=1, data_format=None, estimator="ste",
                 binary_activations=True, activation_estimator=None,
                 kernel_scale="channel", threshold=None, root_degree=1.0,
                 omega=20.0, activation=None, use_bias=False,
                 kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, **kwargs):
        super().__init__(
            estimator=estimator, binary_activations=binary_activations,
            activation_estimator=activation_estimator,
            kernel_scale=kernel_scale, threshold=threshold,
            root_degree=root_degree, omega=omega, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, **kwargs)
        self.filters = validation.check_positive_int("filters", filters)
        self.kernel_size = _pair("kernel_size", kernel_size)
        self.strides = _pair("strides", strides)
        self.padding = validation.check_one_of("padding", padding,
                                               ("valid", "same"))
        self.dilation_rate = _pair("dilation_rate", dilation_rate)
        if data_format is None:
            data_format = keras.config.image_data_format()
        self.data_format = validation.check_one_of(
            "data_format", data_format, ("channels_last", "channels_first"))

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "BinaryConv2D", "inputs", input_shape, (4,))
        channels = input_shape[
            1 if self.data_format == "channels_first" else -1]
        if channels is None:
            raise ValueError(
                "BinaryConv2D needs the channel axis of `inputs` known when "
                f"it builds. Received: inputs of shape {input_shape}")
        self._build_weights(self.kernel_size + (channels, self.filters),
                            self.filters)

    def _linear(self, inputs, kernel):
        return ops.conv(inputs, kernel, strides=self.strides,
                        padding=self.padding,
                        dilation_rate=self.dilation_rate,
                        data_format=self.data_format)

    def _add_bias(self, outputs, bias):
        if self.data_format == "channels_first":
            bias = ops.reshape(bias, (1, -1, 1, 1))
        return ops.add(outputs, bias)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:3]
        sizes = tuple(
            _output_size(size, kernel, stride, dilation, self.padding)
            for size, kernel, stride, dilation in zip(
                spatial, self.kernel_size, self.strides,
                self.dilation_rate))
        if first:
            return (input_shape[0], self.filters) + sizes
        return (input_shape[0],) + sizes + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "dilation_rate": self.dilation_rate,
            "data_format": self.data_format,
        })
        return config


def _pair(name, value):
    values = (value, value) if isinstance(value, int) and not isinstance(
        value, bool) else value
    if not isinstance(values, (list, tuple)) or len(values) != 2:
        raise ValueError(
            f"Argument `{name}` must be a positive int or a pair of them. "
            f"Received: {name}={value!r}")
    return tuple(validation.check_positive_int(name, v) for v in values)


def _output_size(size, kernel, stride, dilation, padding):
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    span = (kernel - 1) * dilation + 1
    return (size - span) // stride + 1
