"""Diagonal linear recurrences `h_t = a_t * h_{t-1} + b_t` over time.

Two evaluations of the same recurrence: `linear_recurrence` (a parallel
prefix scan, log2(T) elementwise steps) and `sequential_linear_recurrence`
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


def _shift_in_time(x, offset, fill):
    """`x` delayed by `offset` steps along axis 1, the first `offset` steps
    filled with `fill`."""
    pad = ops.full_like(x[:, :offset], fill)
    return ops.concatenate([pad, x[:, :-offset]], axis=1)


def linear_recurrence(decay, inputs, initial_state=None, mask=None):
    """All states of `h_t = decay_t * h_{t-1} + inputs_t`, as a parallel
    scan.

    The pairs `(a, b)` compose associatively, `(a1, b1) then (a2, b2) =
    (a1 * a2, a2 * b1 + b2)`; the Hillis-Steele prefix scan applies that
    composition at offsets 1, 2, 4, ... so the cost is log2(T) elementwise
    steps with no sequential loop. The time length must be known when the
    function is traced; `sequential_linear_recurrence` handles unknown
    lengths.

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
    decay, inputs = _apply_mask_and_initial_state(decay, inputs,
                                                  initial_state, mask)
    length = inputs.shape[1]
    if length is None:
        raise ValueError(
            "linear_recurrence needs a time length (axis 1) known when "
            "traced; use sequential_linear_recurrence for unknown lengths. "
            f"Received: inputs of shape {tuple(inputs.shape)}")
    offset = 1
    while offset < length:
        # After this step each (decay, inputs) pair composes the 2*offset
        # steps ending at t (fewer at the start of the sequence).
        inputs = inputs + decay * _shift_in_time(inputs, offset, 0.0)
        decay = decay * _shift_in_time(decay, offset, 1.0)
        offset *= 2
    return inputs


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
