import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.layers.pooling_token_mixer import PoolingTokenMixer
from kerastricks.ops.metaformer import stochastic_depth
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.MetaFormerBlock")
class MetaFormerBlock(keras.layers.Layer):
    """One MetaFormer block: a token mixer and a channel MLP, each residual.

    MetaFormer is the Transformer block with its attention abstracted into
    any "token mixer": normalization, token mixing and a residual add, then
    normalization, a two-layer MLP on the channels and a residual add. The
    paper shows that this structure, more than the mixer, makes the model:
    with plain pooling as the mixer (`kerastricks.layers.PoolingTokenMixer`,
    the default) it builds PoolFormer. Both branches are scaled by
    LayerScale (learned per-channel factors started small, so deep stacks
    start near the identity) and may be dropped per example (stochastic
    depth). The normalization is one-group GroupNorm (statistics over all
    positions and channels of an example, affine per channel), as the
    official PoolFormer.

    ```python
    x: (batch, ..., channels)          # channels last
    x = x + drop_path(layer_scale_1 * token_mixer(group_norm_1(x)))
    x = x + drop_path(layer_scale_2 * fc_2(gelu(fc_1(group_norm_2(x)))))
    # fc_1: channels -> int(mlp_ratio * channels), fc_2: back
    ```

    Args:
        token_mixer: a Keras layer mapping its input to a tensor of the same
            shape (pooling, attention, a depthwise convolution...), or
            `None` for `kerastricks.layers.PoolingTokenMixer()` (3x3
            pooling, PoolFormer). It is serialized with the block. Defaults
            to `None`.
        mlp_ratio: float > 0, the MLP's hidden width over the channels.
            Defaults to `4.0` (the paper).
        layer_scale_init_value: float > 0, the initial LayerScale factors,
            or `None` for no LayerScale. Defaults to `1e-5` (PoolFormer-S12
            and S24; the official S36, M36 and M48 use `1e-6`).
        drop_path_rate: float in [0, 1), the probability of dropping each
            residual branch of an example in training. Defaults to `0.0`.
        epsilon: float > 0, the normalization's epsilon. Defaults to `1e-5`
            (PyTorch's `GroupNorm`, as the official code).
        seed: int or None, the seed of the stochastic depth draws. Defaults
            to `None`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: channels-last features `(batch, height, width, channels)`
            or tokens `(batch, tokens, channels)`, whatever the token mixer
            takes. For channels-first maps, transpose first.
        training: bool, whether stochastic depth is active.

    Returns:
        A tensor of the input's shape.

    Example:

    >>> block = kerastricks.layers.MetaFormerBlock()
    >>> tuple(block(np.ones((2, 4, 4, 8), "float32")).shape)
    (2, 4, 4, 8)

    References:
        - [Yu et al., 2022](https://arxiv.org/abs/2111.11418), "MetaFormer
          Is Actually What You Need for Vision".
        - [Touvron et al., 2021](https://arxiv.org/abs/2103.17239), "Going
          deeper with Image Transformers" (LayerScale).
    """

    def __init__(self, token_mixer=None, mlp_ratio=4.0,
                 layer_scale_init_value=1e-5, drop_path_rate=0.0,
                 epsilon=1e-5, seed=None, **kwargs):
        super().__init__(**kwargs)
        if token_mixer is None:
            token_mixer = PoolingTokenMixer(name="token_mixer")
        elif isinstance(token_mixer, dict):
            token_mixer = keras.saving.deserialize_keras_object(token_mixer)
        if not isinstance(token_mixer, keras.layers.Layer):
            raise TypeError(
                "Argument `token_mixer` must be a keras.layers.Layer (or "
                "None for PoolingTokenMixer). Received: "
                f"token_mixer={token_mixer!r} of type "
                f"{type(token_mixer).__name__}")
        self.token_mixer = token_mixer
        self.mlp_ratio = validation.check_positive("mlp_ratio", mlp_ratio)
        if layer_scale_init_value is not None:
            validation.check_positive("layer_scale_init_value",
                                      layer_scale_init_value)
        self.layer_scale_init_value = layer_scale_init_value
        self.drop_path_rate = validation.check_in_range(
            "drop_path_rate", drop_path_rate, 0.0, 1.0, high_inclusive=False)
        self.epsilon = validation.check_positive("epsilon", epsilon)
        self.seed = _check_seed(seed)
        if self.drop_path_rate > 0:
            self.seed_generator = keras.random.SeedGenerator(seed)
        self.norm_1 = keras.layers.GroupNormalization(
            groups=1, epsilon=self.epsilon, dtype=self.dtype_policy,
            name="norm_1")
        self.norm_2 = keras.layers.GroupNormalization(
            groups=1, epsilon=self.epsilon, dtype=self.dtype_policy,
            name="norm_2")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3 or input_shape[-1] is None:
            raise ValueError(
                "MetaFormerBlock expects channels-last `inputs` of rank >= 3 "
                "with a known channel count, (batch, ..., channels). "
                f"Received: inputs of shape {input_shape}")
        channels = input_shape[-1]
        hidden = int(self.mlp_ratio * channels)
        # The mixer first: it checks the input it takes before any state
        # of this block exists, so a refused input leaves nothing behind.
        for layer in (self.token_mixer, self.norm_1, self.norm_2):
            if not layer.built:
                layer.build(input_shape)
        # The MLP's two pointwise layers (1x1 convolutions in the paper).
        self.fc_1_kernel = self.add_weight(
            name="fc_1_kernel", shape=(channels, hidden),
            initializer="glorot_uniform")
        self.fc_1_bias = self.add_weight(name="fc_1_bias", shape=(hidden,),
                                         initializer="zeros")
        self.fc_2_kernel = self.add_weight(
            name="fc_2_kernel", shape=(hidden, channels),
            initializer="glorot_uniform")
        self.fc_2_bias = self.add_weight(name="fc_2_bias",
                                         shape=(channels,),
                                         initializer="zeros")
        if self.layer_scale_init_value is not None:
            initializer = keras.initializers.Constant(
                self.layer_scale_init_value)
            self.layer_scale_1 = self.add_weight(
                name="layer_scale_1", shape=(channels,),
                initializer=initializer)
            self.layer_scale_2 = self.add_weight(
                name="layer_scale_2", shape=(channels,),
                initializer=initializer)

    def _residual_branch(self, branch, scale, training):
        if scale is not None:
            branch = branch * ops.cast(scale, branch.dtype)
        if training and self.drop_path_rate > 0:
            branch = stochastic_depth(branch, self.drop_path_rate,
                                      self.seed_generator)
        return branch

    def call(self, inputs, training=None):
        validation.check_floating_input("MetaFormerBlock", "inputs", inputs)
        scale_1 = scale_2 = None
        if self.layer_scale_init_value is not None:
            scale_1, scale_2 = self.layer_scale_1, self.layer_scale_2
        mixed = self.token_mixer(self.norm_1(inputs))
        if not _same_known_shape(mixed.shape, inputs.shape):
            raise ValueError(
                "MetaFormerBlock needs a `token_mixer` that keeps the shape "
                f"of its input. Received: {type(self.token_mixer).__name__}"
                f" output of shape {tuple(mixed.shape)} for inputs of shape "
                f"{tuple(inputs.shape)}")
        x = inputs + self._residual_branch(mixed, scale_1, training)
        hidden = keras.activations.gelu(
            _pointwise(self.norm_2(x), self.fc_1_kernel, self.fc_1_bias),
            approximate=False)
        mlp = _pointwise(hidden, self.fc_2_kernel, self.fc_2_bias)
        return x + self._residual_branch(mlp, scale_2, training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "token_mixer": keras.saving.serialize_keras_object(
                self.token_mixer),
            "mlp_ratio": self.mlp_ratio,
            "layer_scale_init_value": self.layer_scale_init_value,
            "drop_path_rate": self.drop_path_rate,
            "epsilon": self.epsilon,
            "seed": self.seed,
        })
        return config


def _check_seed(seed):
    if seed is not None and (isinstance(seed, bool)
                             or not isinstance(seed, int)):
        raise TypeError(
            "Argument `seed` must be an int or None. Received: "
            f"seed={seed!r} of type {type(seed).__name__}")
    return seed


def _same_known_shape(shape_a, shape_b):
    return len(shape_a) == len(shape_b) and all(
        a is None or b is None or a == b for a, b in zip(shape_a, shape_b))


def _pointwise(x, kernel, bias):
    return ops.matmul(x, ops.cast(kernel, x.dtype)) + ops.cast(bias, x.dtype)
