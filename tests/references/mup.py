"""NumPy references of µP, from Tensor Programs V (Table 3 and Section 4)
and the readout form of its `mup` package; no keras, no kerastricks."""

import numpy as np


def role(shape, base_shape):
    """(role, fan_in_ratio, fan_out_ratio): which of fan-in (all axes but
    the last) and fan-out (the last axis) grow with the width."""
    fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    base_fan_in = int(np.prod(base_shape[:-1])) if len(base_shape) > 1 else 1
    fan_in_ratio = fan_in / base_fan_in
    fan_out_ratio = shape[-1] / base_shape[-1] if shape else 1.0
    names = {(False, False): "finite", (False, True): "input",
             (True, True): "hidden", (True, False): "output"}
    return (names[(fan_in_ratio != 1, fan_out_ratio != 1)], fan_in_ratio,
            fan_out_ratio)


# Table 3 with the readout's forward multiplier 1/fan_in_ratio: Adam scales
# only hidden weights (by 1/fan_in_ratio); SGD scales vector-like weights by
# their width ratio and hidden ones by fan_out_ratio / fan_in_ratio.
LEARNING_RATE_TABLE = {
    "adam": {"finite": lambda i, o: 1.0, "input": lambda i, o: 1.0,
             "hidden": lambda i, o: 1.0 / i, "output": lambda i, o: 1.0},
    "sgd": {"finite": lambda i, o: 1.0, "input": lambda i, o: o,
            "hidden": lambda i, o: o / i, "output": lambda i, o: i},
}


def attention(query, key, value, scale):
    """softmax(scale * q k^T) v over (length, key_dim) arrays."""
    logits = scale * query @ key.T
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ value


def readout(inputs, kernel, bias, base_input_dim, output_multiplier=1.0):
    width_ratio = inputs.shape[-1] / base_input_dim
    return output_multiplier * (inputs @ kernel) / width_ratio + bias


def mu_sgd(learning_rate, momentum, multipliers):
    """Keras-style momentum SGD (v = m*v - lr*g; w += v) whose step on
    variable i is multiplied by `multipliers[i]` (its learning rate)."""

    def init(params):
        return {"v": [np.zeros_like(p) for p in params]}

    def update(grads, state, params, step):
        new_params = []
        for i, (g, p) in enumerate(zip(grads, params)):
            v = momentum * state["v"][i] - learning_rate * g
            state["v"][i] = v
            new_params.append(p + multipliers[i] * v)
        return new_params, state

    return init, update
