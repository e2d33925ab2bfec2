import math

import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.scaled_long_skip import constant_skip_scaling
from kerastricks.ops.scaled_long_skip import learnable_skip_scaling
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.ScaledLongSkip")
class ScaledLongSkip(keras.layers.Layer):
    """Scales one long skip connection of a UNet, as ScaleLong.

    A UNet's long skip connections carry encoder features straight to the
    decoder. Huang et al. show that with unit coefficients the decoder's
    hidden features and gradients can oscillate over a large range, which
    makes diffusion training unstable, and that shrinking the skips bounds
    them. Apply this layer to each skip tensor before the decoder merges it
    (`Concatenate` or `Add`); `kerastricks.models.ScaleLongUNet` does this.

    ```python
    CS ("constant"):  skip_i * kappa ** i        # i = skip_index
    LS ("learnable"): skip_i * sigmoid(W2 @ relu(W1 @ mean_channels(skip_i)
                                                 + b1) + b2)
    ```

    `skip_index` is 0 for the outermost skip (at the input resolution) and
    grows toward the bottleneck, so the deepest skip is scaled most, as the
    authors' code (`kappa ** (N - 1 - j)` for the j-th decoder block of N).
    The learnable calibration follows the authors' code: one coefficient
    per position, from the skip averaged over its channels, through two
    dense layers with reduction ratio `reduction` and a sigmoid. The
    authors' "LS" shares one calibration network between skips of equal
    shape (a UViT); here each skip has its own, their "LS (non-share)"
    variant, because a UNet's skips differ in resolution.

    Args:
        skip_index: int >= 0, the position of this skip from the outermost
            one (i - 1 in the paper's kappa ** (i - 1)). Defaults to `0`.
        scaling: `"constant"` (CS) or `"learnable"` (LS). Defaults to
            `"constant"`.
        kappa: float in (0, 1], the constant scaling's base. Defaults to
            `0.5`, the authors' code's default (they suggest 0.5 to 0.95);
            `1.0` is the plain UNet.
        reduction: positive int, the reduction ratio r of the calibration
            network (`"learnable"` only). Defaults to `16` (the authors'
            code).
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: the skip tensor `(batch, positions..., channels)`, e.g.
            `(batch, height, width, channels)` or `(batch, tokens, dim)`;
            the learnable scaling needs the positions known when built.

    Returns:
        The scaled skip, of the shape of `inputs`.

    Example:

    >>> skip = kerastricks.layers.ScaledLongSkip(skip_index=2, kappa=0.5)
    >>> float(skip(np.ones((1, 4, 4, 2), "float32"))[0, 0, 0, 0])
    0.25

    References:
        - [Huang et al., 2023](https://arxiv.org/abs/2310.13545), "ScaleLong:
          Towards More Stable Training of Diffusion Model via Scaling
          Network Long Skip Connection".
    """

    def __init__(self, skip_index=0, scaling="constant", kappa=0.5,
                 reduction=16, **kwargs):
        super().__init__(**kwargs)
        if isinstance(skip_index, bool) or not isinstance(skip_index, int):
            raise TypeError(
                "Argument `skip_index` must be an int >= 0. Received: "
                f"skip_index={skip_index!r} of type "
                f"{type(skip_index).__name__}")
        self.skip_index = validation.check_non_negative("skip_index",
                                                        skip_index)
        self.scaling = validation.check_one_of(
            "scaling", scaling, ("constant", "learnable"))
        self.kappa = validation.check_in_range(
            "kappa", kappa, 0, 1, low_inclusive=False)
        self.reduction = validation.check_positive_int("reduction",
                                                       reduction)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(
                "ScaledLongSkip expects `inputs` of rank >= 3 (batch, "
                "positions..., channels). Received: inputs of shape "
                f"{input_shape} (rank {len(input_shape)})")
        if self.scaling != "learnable":
            return
        if any(size is None for size in input_shape[1:-1]):
            raise ValueError(
                "ScaledLongSkip with scaling='learnable' needs the positions "
                "of `inputs` known (its calibration network has one input "
                f"per position). Received: inputs of shape {input_shape}")
        positions = math.prod(input_shape[1:-1])
        units = max(1, positions // self.reduction)
        self.hidden_kernel = self.add_weight(
            name="hidden_kernel", shape=(positions, units),
            initializer="glorot_uniform")
        self.hidden_bias = self.add_weight(name="hidden_bias",
                                           shape=(units,),
                                           initializer="zeros")
        self.output_kernel = self.add_weight(
            name="output_kernel", shape=(units, positions),
            initializer="glorot_uniform")
        self.output_bias = self.add_weight(name="output_bias",
                                           shape=(positions,),
                                           initializer="zeros")

    def call(self, inputs):
        validation.check_floating_input("ScaledLongSkip", "inputs", inputs)
        if self.scaling == "constant":
            return constant_skip_scaling(inputs, self.kappa, self.skip_index)
        scaled, _ = learnable_skip_scaling(
            inputs, self.hidden_kernel, self.hidden_bias, self.output_kernel,
            self.output_bias)
        return scaled

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"skip_index": self.skip_index,
                       "scaling": self.scaling, "kappa": self.kappa,
                       "reduction": self.reduction})
        return config
