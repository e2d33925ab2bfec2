"""What the wrappers that rewrite a `Dense`/`Conv*D` kernel (`FLoRA`,
`WeightNormalization`) share: which layers they accept, the input-rank
check, the wrapped layer's linear map applied with another kernel, and
its channel axis."""

import keras
from keras import ops

from kerastricks.utils import validation

SUPPORTED_LAYERS = (keras.layers.Dense, keras.layers.Conv1D,
                    keras.layers.Conv2D, keras.layers.Conv3D)


def check_wrappable(owner, layer):
    """Raises `ValueError` unless `owner` can wrap `layer`: one of the
    supported layers, with its own `call` and a plain kernel."""
    if not isinstance(layer, SUPPORTED_LAYERS) or type(layer).call not in (
            tuple(cls.call for cls in SUPPORTED_LAYERS)):
        raise ValueError(
            f"{owner} wraps a keras.layers.Dense, Conv1D, Conv2D or Conv3D "
            f"(whose `call` is not overridden). Received: layer={layer!r}"
        )
    validation.check_plain_kernel(owner, layer)


def check_input_shape(owner, layer, input_shape):
    """Raises `ValueError` unless `input_shape` has the wrapped layer's
    input rank."""
    owner = f"{owner}({type(layer).__name__})"
    if isinstance(layer, keras.layers.Dense):
        if len(input_shape) < 2:
            raise ValueError(
                f"{owner} expects `inputs` of rank >= 2 (batch, ..., "
                f"features). Received: inputs of shape "
                f"{tuple(input_shape)}")
    else:
        validation.check_input_rank(owner, "inputs", input_shape,
                                    (layer.rank + 2,))


def check_call(owner, layer, inputs):
    """Call-time checks: the kernel is still plain (it may have been
    quantized or given LoRA since) and `inputs` are floating-point."""
    validation.check_plain_kernel(owner, layer)
    validation.check_floating_input(f"{owner}({type(layer).__name__})",
                                    "inputs", inputs)


def linear(layer, inputs, kernel):
    """The wrapped layer's matmul or convolution, with `kernel` in place of
    its own, without bias or activation."""
    if isinstance(layer, keras.layers.Dense):
        return ops.matmul(inputs, kernel)
    padding = layer.padding
    if padding == "causal":
        # Conv1D's causal padding: pad the start of the time axis.
        left = layer.dilation_rate[0] * (layer.kernel_size[0] - 1)
        time_axis = 1 if layer.data_format == "channels_last" else 2
        pad_width = [[0, 0], [0, 0], [0, 0]]
        pad_width[time_axis] = [left, 0]
        inputs = ops.pad(inputs, pad_width)
        padding = "valid"
    return ops.conv(inputs, kernel, strides=list(layer.strides),
                    padding=padding, dilation_rate=layer.dilation_rate,
                    data_format=layer.data_format)


def channel_axis(layer):
    """The axis of the wrapped layer's outputs that holds its channels."""
    if (isinstance(layer, keras.layers.Dense)
            or layer.data_format == "channels_last"):
        return -1
    return 1


def per_channel(layer, values):
    """`(channels,)` values shaped to broadcast against the wrapped
    layer's outputs."""
    if channel_axis(layer) == -1:
        return values
    return ops.reshape(values, (-1,) + (1,) * layer.rank)
