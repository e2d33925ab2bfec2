import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation

OWNER = "PartiallySharedRecalibration"


@kerastricks_export("kerastricks.layers.PartiallySharedRecalibration")
class PartiallySharedRecalibration(keras.layers.Layer):
    """MP+'s partially shared recalibration (PSRP) of a block's branch.

    The few trainable parameters that MP+ (Moment Probing plus) adds inside
    each block of a frozen backbone, next to the `MomentProbingHead`: from
    the block's input it predicts a per-token, per-channel scale and shift
    of the branch output (the MLP's, in a transformer block). One
    down-projection to a narrow bottleneck is shared by the scale and the
    shift; each has its own up-projection, hence "partially shared".

    ```python
    x: the block's input (..., C); features: the branch output (..., C)
    hidden = relu(x @ W_down)                 # (..., bottleneck_dim)
    scale = hidden @ W_scale; shift = hidden @ W_shift      # (..., C)
    output = (1 + scale) * features + shift
    ```

    Inside a pre-norm transformer block (the official ViT block):

    ```python
    x = x + attention(norm1(x))
    x = x + recalibration(x, mlp(norm2(x)))  # was: x + mlp(norm2(x))
    ```

    Only the recalibrations and the head train; the backbone stays frozen.
    Follows the official `PSRP` module (three bias-free linear maps, a
    bottleneck of 16) and its ViT initialization (truncated normal, standard
    deviation 0.02; Keras's truncates at two standard deviations). The
    official code inserts it by editing each backbone's block class; here
    it is a layer that a block's code calls.

    Args:
        bottleneck_dim: positive int, the width of the shared
            down-projection (`reduction` in the official code, a width, not
            a ratio). Defaults to `16` (the paper).
        kernel_initializer: initializer of the three projections. Defaults
            to a truncated normal of standard deviation 0.02.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: the block's input, a floating-point tensor of rank >= 2
            with the channels last.
        features: the branch output to recalibrate, of the shape of
            `inputs`.

    Returns:
        A tensor of the shape of `features`.

    Example:

    >>> recalibration = kerastricks.layers.PartiallySharedRecalibration(4)
    >>> tokens = np.ones((2, 5, 8), "float32")
    >>> tuple(recalibration(tokens, 2 * tokens).shape)
    (2, 5, 8)

    References:
        - [Gao et al., 2023](https://arxiv.org/abs/2307.11342), "Tuning
          Pre-trained Model via Moment Probing".
    """

    def __init__(self, bottleneck_dim=16, kernel_initializer=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.bottleneck_dim = validation.check_positive_int(
            "bottleneck_dim", bottleneck_dim)
        self.kernel_initializer = keras.initializers.get(
            kernel_initializer if kernel_initializer is not None
            else keras.initializers.TruncatedNormal(stddev=0.02))

    def build(self, inputs_shape, features_shape):
        inputs_shape = tuple(inputs_shape)
        features_shape = tuple(features_shape)
        if len(inputs_shape) < 2:
            raise ValueError(
                f"{OWNER} expects `inputs` of rank >= 2 (a batch axis and "
                f"the channels last). Received: inputs of shape "
                f"{inputs_shape} (rank {len(inputs_shape)})")
        channels = inputs_shape[-1]
        if channels is None:
            raise ValueError(
                f"{OWNER} needs a known channel count (the last axis of "
                f"`inputs`). Received: inputs of shape {inputs_shape}")
        if len(features_shape) != len(inputs_shape) or any(
                a is not None and b is not None and a != b
                for a, b in zip(inputs_shape, features_shape)):
            raise ValueError(
                f"{OWNER} needs `features` of the shape of `inputs`. "
                f"Received: inputs of shape {inputs_shape} and features of "
                f"shape {features_shape}")
        self.down_kernel = self.add_weight(
            name="down_kernel", shape=(channels, self.bottleneck_dim),
            initializer=self.kernel_initializer)
        self.scale_kernel = self.add_weight(
            name="scale_kernel", shape=(self.bottleneck_dim, channels),
            initializer=self.kernel_initializer)
        self.shift_kernel = self.add_weight(
            name="shift_kernel", shape=(self.bottleneck_dim, channels),
            initializer=self.kernel_initializer)

    def call(self, inputs, features):
        validation.check_floating_input(OWNER, "inputs", inputs)
        validation.check_floating_input(OWNER, "features", features)
        hidden = ops.relu(ops.matmul(inputs, self.down_kernel))
        scale = ops.matmul(hidden, self.scale_kernel)
        shift = ops.matmul(hidden, self.shift_kernel)
        return (1.0 + scale) * features + shift

    def compute_output_shape(self, inputs_shape, features_shape):
        return tuple(features_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "bottleneck_dim": self.bottleneck_dim,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer),
        })
        return config
