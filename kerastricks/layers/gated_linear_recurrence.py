import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import linear_scan as recurrence
from kerastricks.utils import validation


def _check_mask(input_shape, mask_shape):
    expected = tuple(input_shape[:2])
    mask_shape = tuple(mask_shape)
    if len(mask_shape) != 2 or any(
            size is not None and want is not None and size != want
            for size, want in zip(mask_shape, expected)):
        raise ValueError(
            "GatedLinearRecurrence needs `mask` of shape (batch, time) = "
            f"{expected}. Received: mask of shape {mask_shape}")


@kerastricks_export("kerastricks.layers.GatedLinearRecurrence")
class GatedLinearRecurrence(keras.layers.Layer):
    """Diagonal gated linear RNN whose transitions may be negative.

    A linear RNN `h_t = a_t * h_{t-1} + b_t` with an input-dependent
    diagonal transition `a_t` (as in Mamba, GLA or LRU-style layers) trains
    in parallel over time, but when `a_t` is confined to [0, 1] (a sigmoid
    or `exp(-softplus)` gate) it cannot track state such as the parity of a
    bit string at any length. Grazzi et al. show that letting the
    eigenvalues range over [-1, 1] (`2 * sigmoid - 1` instead of `sigmoid`)
    is enough: one layer then solves parity, and the recurrence stays
    stable because |a_t| <= 1. `allow_negative_eigenvalues=False` gives
    the [0, 1] baseline. The states are computed with a parallel scan
    (log2(T) levels of elementwise steps, O(T) work) when the sequence
    length is known and with a sequential `keras.ops.scan` otherwise.

    ```python
    a_t = 2 * sigmoid(x_t @ W_a + c_a) - 1     # sigmoid(...) if False
    b_t = x_t @ W_b + c_b
    h_t = a_t * h_{t-1} + b_t,  h_0 = 0        # a masked step: h_t = h_{t-1}
    ```

    Args:
        units: positive int, the state size (the diagonal of the
            transition).
        allow_negative_eigenvalues: bool, transitions in (-1, 1) as the
            paper proposes; `False` restricts them to (0, 1). Defaults to
            `True`.
        return_sequences: bool, return every state `(batch, time, units)`
            instead of the last one `(batch, units)`. Defaults to `True`.
        kernel_initializer: initializer of `W_a` and `W_b`. Defaults to
            `"glorot_uniform"`.
        bias_initializer: initializer of `c_a` and `c_b`. Defaults to
            `"zeros"`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Call arguments:
        inputs: `(batch, time, features)`.
        mask: optional boolean `(batch, time)`; masked steps keep the
            state (so the last state is the one after the last kept step).

    Returns:
        `(batch, time, units)` with `return_sequences`, else
        `(batch, units)`.

    Example:

    >>> layer = kerastricks.layers.GatedLinearRecurrence(units=4)
    >>> x = np.ones((2, 6, 3), "float32")
    >>> tuple(layer(x).shape)
    (2, 6, 4)

    References:
        - [Grazzi et al., 2024](https://arxiv.org/abs/2411.12537),
          "Unlocking State-Tracking in Linear RNNs Through Negative
          Eigenvalues".
    """

    def __init__(
        self,
        units,
        allow_negative_eigenvalues=True,
        return_sequences=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.allow_negative_eigenvalues = validation.check_bool(
            "allow_negative_eigenvalues", allow_negative_eigenvalues)
        self.return_sequences = validation.check_bool(
            "return_sequences", return_sequences)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        # (batch, time, features)
        validation.check_input_rank("GatedLinearRecurrence", "inputs",
                                    input_shape, (3,))
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "GatedLinearRecurrence needs a known feature size (last "
                f"axis) of `inputs`. Received: inputs of shape "
                f"{tuple(input_shape)}")
        self.transition_kernel = self.add_weight(
            name="transition_kernel", shape=(features, self.units),
            initializer=self.kernel_initializer)
        self.transition_bias = self.add_weight(
            name="transition_bias", shape=(self.units,),
            initializer=self.bias_initializer)
        self.input_kernel = self.add_weight(
            name="input_kernel", shape=(features, self.units),
            initializer=self.kernel_initializer)
        self.input_bias = self.add_weight(
            name="input_bias", shape=(self.units,),
            initializer=self.bias_initializer)

    def gates(self, inputs):
        """The transitions `a_t` and inputs `b_t`, each `(batch, time,
        units)`, in float32."""
        inputs = ops.cast(inputs, "float32")
        logits = ops.matmul(inputs, ops.cast(self.transition_kernel,
                                             "float32"))
        logits = logits + ops.cast(self.transition_bias, "float32")
        decay = recurrence.transition_gate(logits,
                                           self.allow_negative_eigenvalues)
        values = ops.matmul(inputs, ops.cast(self.input_kernel, "float32"))
        values = values + ops.cast(self.input_bias, "float32")
        return decay, values

    def call(self, inputs, mask=None):
        validation.check_input_rank("GatedLinearRecurrence", "inputs",
                                    inputs.shape, (3,))
        validation.check_floating_input("GatedLinearRecurrence", "inputs",
                                        inputs)
        if mask is not None:
            _check_mask(inputs.shape, mask.shape)
        # The scan runs in float32: products of many bfloat16 transitions
        # would lose the state within a few dozen steps.
        decay, values = self.gates(inputs)
        if inputs.shape[1] is None:
            states = recurrence.sequential_linear_recurrence(
                decay, values, mask=mask)
        else:
            states = recurrence.linear_recurrence(decay, values, mask=mask)
        if not self.return_sequences:
            states = states[:, -1]
        return ops.cast(states, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return tuple(input_shape[:2]) + (self.units,)
        return (input_shape[0], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "allow_negative_eigenvalues":
                    self.allow_negative_eigenvalues,
                "return_sequences": self.return_sequences,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer),
            }
        )
        return config
