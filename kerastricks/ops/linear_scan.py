"""Diagonal linear recurrences `h_t = a_t * h_{t-1} + b_t` over time.

Two evaluations of the same recurrence: `linear_recurrence` (a parallel
scan, log2(T) levels of elementwise steps) and `sequential_linear_recurrence`
(a `keras.ops.scan` loop, T steps). Time is axis 1: `(batch, time, ...)`.
"""

from keras import ops


def transition_gate(logits, allow_negative_eigenvalues=True):
    """Maps logits to the diagonal transition `a_t`.

    `allow_negative_eigenvalues=True` gives `2 * sigmoid(logits) - 1` in
    (-1, 1), the range that lets a linear RNN track parity; `False` gives
    the usual `sigmoid(logits)` in (0, 1).
    """
    gate = ops.sigmoid(logits)
    if allow_negative_eigenvalues:
        return 2.0 * gate - 1.0
    return gate


def _apply_mask_and_initial_state(decay, inputs, initial_state, mask):
    if mask is not None:
        # A masked step is the identity map: a = 1, b = 0 keeps the state.
        keep = ops.cast(mask, "bool")
        while len(keep.shape) < len(decay.shape):
            keep = ops.expand_dims(keep, -1)
        decay = ops.where(keep, decay, ops.ones_like(decay))
        inputs = ops.where(keep, inputs, ops.zeros_like(inputs))
    if initial_state is not None:
        first = inputs[:, :1] + decay[:, :1] * ops.expand_dims(
            ops.cast(initial_state, inputs.dtype), 1)
        inputs = ops.concatenate([first, inputs[:, 1:]], axis=1)
    return decay, inputs


def _pad_time(x, length, fill):
    """`x` extended along axis 1 to `length` steps with `fill`."""
    extra = length - x.shape[1]
    if extra == 0:
        return x
    pad = ops.repeat(ops.full_like(x[:, :1], fill), extra, axis=1)
    return ops.concatenate([x, pad], axis=1)


def _pairwise_scan(decay, inputs):
    """The states of the recurrence over a power-of-two time length, by
    odd-even reduction: compose neighbouring steps into pairs, solve the
    half-length recurrence of the pairs (which gives the states at the odd
    steps), then one step from each of those gives the even steps."""
    length = inputs.shape[1]
    if length == 1:
        return inputs
    paired = (-1, length // 2, 2) + tuple(inputs.shape[2:])
    decay = ops.reshape(decay, paired)
    inputs = ops.reshape(inputs, paired)
    first_decay, second_decay = decay[:, :, 0], decay[:, :, 1]
    first_input, second_input = inputs[:, :, 0], inputs[:, :, 1]
    # (a1, b1) then (a2, b2) is (a1 a2, a2 b1 + b2).
    pair_states = _pairwise_scan(first_decay * second_decay,
                                 second_decay * first_input + second_input)
    before_pair = ops.concatenate(
        [ops.zeros_like(pair_states[:, :1]), pair_states[:, :-1]], axis=1)
    first_states = first_decay * before_pair + first_input
    states = ops.stack([first_states, pair_states], axis=2)
    return ops.reshape(states, (-1, length) + tuple(states.shape[3:]))


def linear_recurrence(decay, inputs, initial_state=None, mask=None):
    """All states of `h_t = decay_t * h_{t-1} + inputs_t`, as a parallel
    scan.

    The pairs `(a, b)` compose associatively, `(a1, b1) then (a2, b2) =
    (a1 * a2, a2 * b1 + b2)`. The scan composes neighbouring pairs,
    recurses on the half-length sequence and fills in the steps between:
    log2(T) levels of elementwise work, O(T) in all, no sequential loop.
    The time length (padded to a power of two with identity steps) and
    the trailing axes must be known when the function is traced;
    `sequential_linear_recurrence` handles unknown lengths.

    Args:
        decay: `(batch, time, ...)` tensor, the transitions `a_t`.
        inputs: tensor of the shape of `decay`, the inputs `b_t`.
        initial_state: optional `(batch, ...)` state `h_0`; defaults to
            zeros.
        mask: optional boolean `(batch, time)`; a `False` step keeps the
            state unchanged.

    Returns:
        `(batch, time, ...)`, the states `h_1 ... h_T`.
    """
    decay = ops.convert_to_tensor(decay)
    inputs = ops.convert_to_tensor(inputs)
    decay, inputs = _apply_mask_and_initial_state(decay, inputs,
                                                  initial_state, mask)
    length = inputs.shape[1]
    if length is None or None in inputs.shape[2:]:
        raise ValueError(
            "linear_recurrence needs the time length (axis 1) and the "
            "trailing axes known when traced; use "
            "sequential_linear_recurrence for unknown lengths. Received: "
            f"inputs of shape {tuple(inputs.shape)}")
    padded = 1 << (length - 1).bit_length()
    # Identity steps (a = 1, b = 0) at the end change no earlier state.
    states = _pairwise_scan(_pad_time(decay, padded, 1.0),
                            _pad_time(inputs, padded, 0.0))
    return states[:, :length]


def sequential_linear_recurrence(decay, inputs, initial_state=None,
                                 mask=None):
    """`linear_recurrence` as a `keras.ops.scan` loop over time (T steps);
    same arguments and result."""
    decay, inputs = _apply_mask_and_initial_state(decay, inputs,
                                                  initial_state, mask)
    time_major = (ops.moveaxis(decay, 1, 0), ops.moveaxis(inputs, 1, 0))

    def step(state, elements):
        a, b = elements
        state = a * state + b
        return state, state

    _, states = ops.scan(step, ops.zeros_like(inputs[:, 0]), time_major)
    return ops.moveaxis(states, 0, 1)
