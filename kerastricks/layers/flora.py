import math

import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.layers import _kernel_wrapper
from kerastricks.ops.flora import flora_delta
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.FLoRA")
class FLoRA(keras.layers.Wrapper):
    """Fine-tunes a frozen `Dense`/`Conv*D` kernel through a Tucker update.

    FLoRA is LoRA for kernels of any number of axes. Instead of flattening a
    convolution kernel into a matrix and factorizing that (which separates
    neighbouring taps of the kernel), it models the fine-tuning update as a
    Tucker decomposition: a small core G with one axis per kernel axis, and
    one factor matrix per kernel axis. The wrapped layer's weights are
    frozen; only G and the factors train. The core starts at zero, so the
    wrapped model computes exactly what it computed before until the first
    update, and the update can be merged into the kernel afterwards
    (`merged_kernel()`), leaving no inference overhead.

    ```python
    kernel: (n_1, ..., n_N)        # Dense (in, out); ConvND (*size, in, out)
    G: (r_1, ..., r_N) = 0         # the core
    U_i: (n_i, r_i) ~ normal(0, sqrt(1 / (2 r_i)))
    delta = scale * G x_1 U_1 x_2 U_2 ... x_N U_N
    y = activation(x (matmul or conv) (kernel + delta) + bias)
    ```

    Args:
        layer: a `keras.layers.Dense`, `Conv1D` (any padding, causal
            included), `Conv2D` or `Conv3D`, built or not, whose `call` is
            not overridden and whose kernel is neither LoRA-enabled nor
            quantized. FLoRA sets it non-trainable (kernel and bias, as the
            authors' code) and computes its output with the updated kernel.
        rank: positive int, or one positive int per kernel axis (in Keras's
            kernel order, e.g. `(height, width, in, out)` for `Conv2D`). An
            int r gives rank `min(r, n_i)` on every axis (a rank above an
            axis's size adds parameters and nothing else). Defaults to `8`.
        scale: float > 0, the multiplier s of the update. Defaults to `1.0`,
            the default of the authors' FLoRA layer.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: what the wrapped layer takes (floating point).

    Returns:
        The wrapped layer's output computed with `kernel + delta`.

    Example:

    >>> conv = keras.layers.Conv2D(8, 3, activation="relu")
    >>> model = keras.Sequential([
    ...     keras.Input((8, 8, 3)),
    ...     kerastricks.layers.FLoRA(conv, rank=(2, 2, 3, 4)),
    ...     keras.layers.GlobalAveragePooling2D(),
    ... ])
    >>> [tuple(w.shape) for w in model.trainable_weights]
    [(2, 2, 3, 4), (3, 2), (3, 2), (3, 3), (8, 4)]

    References:
        - [Si et al., 2024](https://arxiv.org/abs/2405.14739), "FLoRA:
          Low-Rank Core Space for N-dimension" (later titled "Maintaining
          Structural Integrity in Parameter Spaces for Parameter Efficient
          Fine-tuning").
    """

    def __init__(self, layer, rank=8, scale=1.0, **kwargs):
        super().__init__(layer, **kwargs)
        _kernel_wrapper.check_wrappable("FLoRA", layer)
        self.rank = _check_rank(rank, _kernel_rank(layer))
        self.scale = validation.check_positive("scale", scale)
        # Fine-tuning trains the adapter only.
        self.layer.trainable = False

    def build(self, input_shape):
        _kernel_wrapper.check_input_shape("FLoRA", self.layer, input_shape)
        super().build(input_shape)
        kernel_shape = tuple(self.layer.kernel.shape)
        ranks = self.axis_ranks()
        self.core = self.add_weight(name="core", shape=ranks,
                                    initializer="zeros")
        self.factors = [
            self.add_weight(
                name=f"factor_{axis}", shape=(size, rank),
                # The authors' kaiming_normal_(a=sqrt(3)) of a (n, r)
                # tensor: gain sqrt(2 / (1 + 3)) over sqrt(fan_in = r).
                initializer=keras.initializers.RandomNormal(
                    stddev=math.sqrt(0.5 / rank)))
            for axis, (size, rank) in enumerate(zip(kernel_shape, ranks))
        ]

    def axis_ranks(self):
        """The rank of each kernel axis: the core's shape."""
        kernel_shape = _kernel_shape(self.layer)
        if isinstance(self.rank, int):
            return tuple(min(self.rank, size) for size in kernel_shape)
        return self.rank

    def delta(self):
        """The update `scale * G x_1 U_1 ... x_N U_N`, in float32."""
        return flora_delta(self.core, self.factors, self.scale)

    def merged_kernel(self):
        """`kernel + delta`: the kernel of a plain layer that computes what
        this wrapper computes (float32)."""
        return ops.add(ops.cast(self.layer.kernel, "float32"), self.delta())

    def call(self, inputs):
        _kernel_wrapper.check_call("FLoRA", self.layer, inputs)
        layer = self.layer
        outputs = _kernel_wrapper.linear(
            layer, inputs, ops.cast(self.merged_kernel(), self.compute_dtype))
        if layer.bias is not None:
            bias = ops.cast(layer.bias, self.compute_dtype)
            outputs = ops.add(outputs,
                              _kernel_wrapper.per_channel(layer, bias))
        if layer.activation is not None:
            outputs = layer.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rank": self.rank, "scale": self.scale})
        return config


def _kernel_rank(layer):
    if isinstance(layer, keras.layers.Dense):
        return 2
    return layer.rank + 2


def _kernel_shape(layer):
    return tuple(layer.kernel.shape)


def _check_rank(rank, kernel_rank):
    if isinstance(rank, (list, tuple)):
        rank = validation.check_positive_int_sequence("rank", rank)
        if len(rank) != kernel_rank:
            raise ValueError(
                f"Argument `rank` needs one rank per kernel axis, "
                f"{kernel_rank} for this layer (or one int for all). "
                f"Received: rank={rank!r}")
        return rank
    return validation.check_positive_int("rank", rank)


def eligible_for_flora(layer):
    """Whether `FLoRA` can wrap `layer`."""
    try:
        _kernel_wrapper.check_wrappable("FLoRA", layer)
    except ValueError:
        return False
    return True
