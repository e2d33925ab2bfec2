"""NumPy references for diagonal linear RNNs, written from the equations of
Grazzi et al. (2024), "Unlocking State-Tracking in Linear RNNs Through
Negative Eigenvalues" (arXiv 2411.12537): a step-by-step loop, no scan."""

import numpy as np


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_linear_recurrence(decay, inputs, initial_state=None, mask=None):
    """h_t = decay_t * h_{t-1} + inputs_t for t = 1..T over axis 1, h_0 =
    `initial_state` (zeros by default); a masked step keeps h_{t-1}."""
    decay = np.asarray(decay, "float64")
    inputs = np.asarray(inputs, "float64")
    state = (np.zeros_like(inputs[:, 0]) if initial_state is None
             else np.asarray(initial_state, "float64"))
    states = []
    for t in range(inputs.shape[1]):
        updated = decay[:, t] * state + inputs[:, t]
        if mask is not None:
            keep = np.asarray(mask)[:, t].reshape(
                (-1,) + (1,) * (updated.ndim - 1))
            updated = np.where(keep, updated, state)
        state = updated
        states.append(state)
    return np.stack(states, axis=1)


def np_gated_linear_recurrence(x, transition_kernel, transition_bias,
                               input_kernel, input_bias,
                               allow_negative_eigenvalues=True, mask=None):
    """The diagonal layer: a_t = 2 sigmoid(x_t W_a + c_a) - 1 (or
    sigmoid(...) for the [0, 1] baseline), b_t = x_t W_b + c_b."""
    x = np.asarray(x, "float64")
    gate = np_sigmoid(x @ transition_kernel + transition_bias)
    decay = 2.0 * gate - 1.0 if allow_negative_eigenvalues else gate
    return np_linear_recurrence(decay, x @ input_kernel + input_bias,
                                mask=mask)
