import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.layers import _kernel_wrapper
from kerastricks.ops.weight_normalization import weight_normalization_data_init
from kerastricks.ops.weight_normalization import weight_normalize
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.WeightNormalization")
class WeightNormalization(keras.layers.Wrapper):
    """Wraps a `Dense` or `Conv*D` layer so its kernel is `g * v / ||v||`.

    Weight normalization decouples the length of each output channel's
    weight vector (a trainable scale g) from its direction (the wrapped
    layer's kernel v). Gradient descent on (g, v) is better conditioned
    than on w, which speeds up convergence, and unlike batch normalization
    it adds no dependence between the examples of a batch, so it suits
    RNNs, reinforcement learning, generative models and small batches.
    With `data_init=True` (the paper's data-dependent initialization) the
    first training batch sets g and the bias so that every channel's
    pre-activation has zero mean and unit variance on that batch.

    ```python
    w = g * v / norm(v)         # norm over every axis but the output one
    t = x (matmul or conv) v / norm(v)
    first training batch, with data_init:
        g = 1 / std(t);  bias = -mean(t) / std(t)      # per channel
    y = activation(g * t + bias)
    ```

    The wrapped layer keeps its kernel (v) and bias as trainable weights;
    this layer adds g, initialized to `norm(v)` so that the wrapped layer's
    initial function is kept until the data-dependent initialization. On
    JAX, Keras's training step cannot assign trainable variables, so that
    initialization writes to two non-trainable offsets instead: the layer
    uses `g + g_offset` and `bias + bias_offset`, which is the same
    parameterization for any gradient-based optimizer (the offsets are
    constants). A non-trainable flag records that the initialization
    happened, so it runs once, inside the compiled step (`ops.where`, no
    host round trip), and survives saving.

    Args:
        layer: a `keras.layers.Dense`, `Conv1D` (any padding, causal
            included), `Conv2D` or `Conv3D`, built or not, whose `call` is
            not overridden. The wrapper computes its output: the
            normalized pre-activation, times g, plus the bias, through the
            layer's activation.
        data_init: bool, whether the first call with `training=True` sets
            g and the bias from the batch's statistics. Defaults to `True`,
            as tensorflow-addons.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: what the wrapped layer takes.
        training: Python bool; the data-dependent initialization runs on
            the first call with `training=True` (as in `fit`).

    Returns:
        The wrapped layer's output computed with the normalized kernel.

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((8, 8, 3)),
    ...     kerastricks.layers.WeightNormalization(
    ...         keras.layers.Conv2D(4, 3, activation="relu")),
    ...     keras.layers.GlobalAveragePooling2D(),
    ...     kerastricks.layers.WeightNormalization(keras.layers.Dense(2)),
    ... ])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> _ = model.fit(np.random.rand(4, 8, 8, 3), np.zeros((4, 2)),
    ...               verbose=0)

    References:
        - [Salimans and Kingma, 2016](https://arxiv.org/abs/1602.07868),
          "Weight Normalization: A Simple Reparameterization to Accelerate
          Training of Deep Neural Networks", NeurIPS 2016.
    """

    def __init__(self, layer, data_init=True, **kwargs):
        super().__init__(layer, **kwargs)
        _kernel_wrapper.check_wrappable("WeightNormalization", layer)
        self.data_init = validation.check_bool("data_init", data_init)

    def build(self, input_shape):
        _kernel_wrapper.check_input_shape("WeightNormalization", self.layer,
                                          input_shape)
        super().build(input_shape)
        kernel = self.layer.kernel
        channels = kernel.shape[-1]

        def kernel_norm(shape, dtype):
            value = ops.convert_to_tensor(kernel)
            axes = tuple(range(len(value.shape) - 1))
            return ops.cast(ops.sqrt(ops.sum(ops.square(value), axis=axes)),
                            dtype)

        self.g = self.add_weight(name="g", shape=(channels,),
                                 initializer=kernel_norm)
        if self.data_init:
            # A float flag (0 or 1): mixed precision keeps every weight
            # float32.
            self.initialized = self.add_weight(
                name="initialized", shape=(), initializer="zeros",
                trainable=False)
            self.g_offset = self.add_weight(
                name="g_offset", shape=(channels,), initializer="zeros",
                trainable=False)
            self.bias_offset = (
                None if self.layer.bias is None else self.add_weight(
                    name="bias_offset", shape=(channels,),
                    initializer="zeros", trainable=False))

    def call(self, inputs, training=None):
        _kernel_wrapper.check_call("WeightNormalization", self.layer, inputs)
        direction = weight_normalize(self.layer.kernel, 1.0)
        pre_activations = _kernel_wrapper.linear(
            self.layer, inputs, ops.cast(direction, self.compute_dtype))
        scale = ops.cast(self.g, "float32")
        bias = (None if self.layer.bias is None
                else ops.cast(self.layer.bias, "float32"))
        if self.data_init:
            scale_offset = ops.cast(self.g_offset, "float32")
            bias_offset = (None if bias is None
                           else ops.cast(self.bias_offset, "float32"))
            if training:
                scale_offset, bias_offset = self._initialize_once(
                    pre_activations, scale, bias, scale_offset, bias_offset)
            scale = scale + scale_offset
            if bias is not None:
                bias = bias + bias_offset
        outputs = pre_activations * self._per_channel(scale)
        if bias is not None:
            outputs = outputs + self._per_channel(bias)
        if self.layer.activation is not None:
            outputs = self.layer.activation(outputs)
        return outputs

    def _initialize_once(self, pre_activations, scale, bias, scale_offset,
                         bias_offset):
        """Offsets that make `scale` and `bias` the data-dependent values
        on the first training call, written back; later calls keep them.
        The gradient still reaches g and the bias through the sums."""
        initial_scale, initial_bias = weight_normalization_data_init(
            pre_activations, _kernel_wrapper.channel_axis(self.layer))
        first = ops.equal(self.initialized, 0)
        scale_offset = ops.where(
            first, ops.stop_gradient(initial_scale - scale), scale_offset)
        self.g_offset.assign(scale_offset)
        if bias is not None:
            bias_offset = ops.where(
                first, ops.stop_gradient(initial_bias - bias), bias_offset)
            self.bias_offset.assign(bias_offset)
        self.initialized.assign(ops.ones((), self.initialized.dtype))
        return scale_offset, bias_offset

    def _per_channel(self, values):
        return _kernel_wrapper.per_channel(
            self.layer, ops.cast(values, self.compute_dtype))

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["data_init"] = self.data_init
        return config
