import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.ponet import ponet_token_mixing
from kerastricks.utils import validation

_PROJECTIONS = ("query", "key", "gate", "segment", "local")


@kerastricks_export("kerastricks.layers.PoNetTokenMixer")
class PoNetTokenMixer(keras.layers.Layer):
    """PoNet's token mixer: global, segment and local pooling, fused.

    PoNet replaces self-attention in long sequences by pooling at three
    granularities, in time and memory linear in the length: a global
    summary (the mean of the queries attends once to all tokens), the max
    over each segment, and the max over a small window around each token.
    They are fused as `(global + segment) * gate + local`, the gate being
    another projection of the tokens, so each token modulates what it
    receives. It reached 95.7% of BERT's GLUE accuracy and beat the
    Transformer on Long Range Arena. Padded tokens (a Keras mask, or
    `mask=`) take part in no mean, softmax or max and get zero outputs.

    ```python
    q, k, o, s, l = five Dense projections of x      # (batch, tokens, dim)
    per head: g = sum_t softmax_t(mean_valid(q) . k_t / sqrt(d_head)) k_t
    s = max of s over each token's segment         # num_segments segments
    l = max of l over the window centred at the token
    output = (g + s) * o + l                       # padded tokens: 0
    ```

    Args:
        num_heads: positive int dividing the channels; the global pooling
            attends per head. Defaults to `1` (the paper's GLUE model, on
            BERT-base, uses 12).
        num_segments: positive int, how many consecutive segments of
            `tokens // num_segments + 1` tokens the sequence is cut into,
            as the authors' Long Range Arena code. Defaults to `8`.
        window: odd positive int, the local pooling window. Defaults to
            `3` (the paper).
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: tokens `(batch, tokens, channels)` with a known length.
        mask: optional bool `(batch, tokens)`, true for real tokens
            (propagated from an `Embedding(mask_zero=True)`).

    Returns:
        A tensor of the input's shape (the mask passes through).

    Example:

    >>> mixer = kerastricks.layers.PoNetTokenMixer(num_heads=2)
    >>> tuple(mixer(np.ones((3, 10, 8), "float32")).shape)
    (3, 10, 8)

    References:
        - [Tan et al., 2022](https://arxiv.org/abs/2110.02442), "PoNet:
          Pooling Network for Efficient Token Mixing in Long Sequences".
    """

    def __init__(self, num_heads=1, num_segments=8, window=3, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = validation.check_positive_int("num_heads",
                                                       num_heads)
        self.num_segments = validation.check_positive_int("num_segments",
                                                          num_segments)
        self.window = validation.check_positive_int("window", window)
        if self.window % 2 == 0:
            raise ValueError(
                "Argument `window` must be odd, so that it is centred on "
                f"each token. Received: window={window!r}")
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "PoNetTokenMixer", "inputs", input_shape, (3,))
        channels = input_shape[-1]
        if (channels is None or input_shape[1] is None
                or channels % self.num_heads):
            raise ValueError(
                "PoNetTokenMixer needs `inputs` of known length and a "
                "channel count divisible by `num_heads`. Received: inputs "
                f"of shape {input_shape}, num_heads={self.num_heads}")
        self.projections = {}
        for name in _PROJECTIONS:
            projection = keras.layers.Dense(
                channels, dtype=self.dtype_policy, name=name)
            projection.build(input_shape)
            self.projections[name] = projection

    def call(self, inputs, mask=None):
        validation.check_floating_input("PoNetTokenMixer", "inputs", inputs)
        projected = [self.projections[name](inputs) for name in _PROJECTIONS]
        return ponet_token_mixing(*projected, num_heads=self.num_heads,
                                  num_segments=self.num_segments,
                                  window=self.window, mask=mask)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"num_heads": self.num_heads,
                       "num_segments": self.num_segments,
                       "window": self.window})
        return config
