from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.layers._binary_layer import BinaryLayer
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.BinaryDense")
class BinaryDense(BinaryLayer):
    """A `Dense` layer with binary weights and (optionally) binary inputs.

    The layer keeps real-valued latent weights; each forward pass
    multiplies the binarized inputs by the sign of the latent kernel times
    a scaling factor (per output unit, XNOR-Net's mean absolute latent
    weight, by default), so a trained layer needs one bit per weight plus
    one float per unit. The sign has no useful gradient: the `estimator`
    chooses the surrogate gradient of the papers, the clipped
    straight-through estimator (`"ste"`), the Rectified STE (`"reste"`,
    whose exponent o `kerastricks.callbacks.ReSTESchedule` raises during
    training), BiPer's periodic binarization (`"biper"`, weights only) or
    Bi-Real's ApproxSign (`"approx_sign"`). Use it for the body of a binary
    network, keeping the first and last layers real-valued; follow it with
    BatchNormalization.

    ```python
    k = binarize(kernel, estimator)             # {-1, +1}, per estimator
    k = k * mean(abs(kernel), axis=0)           # kernel_scale="channel"
    x = binarize(inputs, input_estimator)       # if binary_activations
    outputs = activation(x @ k + bias)
    ```

    Args:
        units: positive int, the output size.
        estimator: str, how the kernel is binarized and differentiated:
            `"ste"` (sign, gradient where |w| <= threshold), `"reste"`
            (sign, gradient of sign(w)|w|^(1/o)), `"biper"` (sign(sin(ωw)),
            gradient ω cos(ωw)) or `"approx_sign"`. Defaults to `"ste"`.
        binary_activations: bool, binarize the inputs too (1-bit weights
            and activations). Defaults to `True`.
        activation_estimator: `None` or one of `"ste"`, `"reste"`,
            `"approx_sign"`: the inputs' estimator. `None` takes the one
            the weight estimator's paper uses (`"ste"`, `"reste"`, and
            `"approx_sign"` for `"biper"`). Defaults to `None`.
        kernel_scale: the scaling factor of the binary kernel: `"channel"`
            (mean |w| per output unit, XNOR-Net), `"tensor"` (mean |w| over
            the kernel, the ReSTE authors' code), `"learned"` (a trainable
            factor per unit, as BiPer's code, starting at the `"channel"`
            value of the initial kernel) or `None`.
            Defaults to `"channel"`.
        threshold: positive float or `None`, the gradient cut of `"ste"`
            and `"reste"` (t in ReSTE); `None` takes 1.0 for `"ste"` and
            1.5 for `"reste"`. Defaults to `None`.
        root_degree: positive float, ReSTE's o at the start of training
            (held in the non-trainable weight `reste_root_degree`, which
            `ReSTESchedule` moves). Defaults to `1.0`, the paper's start.
        omega: positive float, BiPer's frequency ω. Defaults to `20.0`.
        activation: Keras activation after the product. Defaults to
            `None`.
        use_bias: bool. Defaults to `False` (a BatchNormalization follows
            in binary networks).
        kernel_initializer: as in `keras.layers.Dense`, for the latent weights.
        bias_initializer: as in `keras.layers.Dense`, for the latent weights.
        kernel_regularizer: as in `keras.layers.Dense`, for the latent weights.
        bias_regularizer: as in `keras.layers.Dense`, for the latent weights.
        kernel_constraint: as in `keras.layers.Dense`, for the latent weights.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: floating-point tensor `(..., features)`.

    Returns:
        A tensor `(..., units)`.

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((16,)),
    ...     keras.layers.Dense(32),                 # real-valued first layer
    ...     keras.layers.BatchNormalization(),
    ...     kerastricks.layers.BinaryDense(32, estimator="reste"),
    ...     keras.layers.BatchNormalization(),
    ...     keras.layers.Dense(3),                  # real-valued head
    ... ])
    >>> model.compile(optimizer="adam", loss=keras.losses.
    ...     SparseCategoricalCrossentropy(from_logits=True))
    >>> _ = model.fit(np.random.rand(8, 16), np.arange(8) % 3, verbose=0,
    ...               callbacks=[kerastricks.callbacks.ReSTESchedule()])

    References:
        - [Wu et al., 2023](https://arxiv.org/abs/2308.06689), "Estimator
          Meets Equilibrium Perspective: A Rectified Straight Through
          Estimator for Binary Neural Networks Training", ICCV 2023.
        - [Vargas et al., 2024](https://arxiv.org/abs/2404.01278), "BiPer:
          Binary Neural Networks using a Periodic Function", CVPR 2024.
        - [Rastegari et al., 2016](https://arxiv.org/abs/1603.05279),
          "XNOR-Net: ImageNet Classification Using Binary Convolutional
          Neural Networks", ECCV 2016.
        - [Courbariaux et al., 2015](https://arxiv.org/abs/1511.00363),
          "BinaryConnect: Training Deep Neural Networks with binary weights
          during propagations", NeurIPS 2015.
    """

    def __init__(self, units, estimator="ste", binary_activations=True,
                 activation_estimator=None, kernel_scale="channel",
                 threshold=None, root_degree=1.0, omega=20.0,
                 activation=None, use_bias=False,
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
        self.units = validation.check_positive_int("units", units)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2:
            raise ValueError(
                "BinaryDense expects `inputs` of rank >= 2 (batch, ..., "
                f"features). Received: inputs of shape {input_shape}")
        if input_shape[-1] is None:
            raise ValueError(
                "BinaryDense needs the feature axis of `inputs` known when "
                f"it builds. Received: inputs of shape {input_shape}")
        self._build_weights((input_shape[-1], self.units), self.units)

    def _linear(self, inputs, kernel):
        return ops.matmul(inputs, kernel)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config
