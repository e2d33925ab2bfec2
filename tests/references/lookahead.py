"""NumPy transcription of Lookahead, Algorithm 1 of Zhang et al., 2019
("Lookahead Optimizer: k steps forward, 1 step back", arXiv 1907.08610),
around any inner optimizer in the `(init, update)` form; no keras here."""

import numpy as np


def sgd(learning_rate=0.01, momentum=0.0):
    """Keras-style SGD: v = momentum * v - lr * g; w = w + v."""

    def init(params):
        return {"velocity": [np.zeros_like(p) for p in params]}

    def update(grads, state, params, step):
        velocities = [momentum * v - learning_rate * g
                      for v, g in zip(state["velocity"], grads)]
        state["velocity"] = velocities
        return [p + v for p, v in zip(params, velocities)], state

    return init, update


def lookahead(inner, sync_period=5, slow_step_size=0.5):
    """Algorithm 1: phi <- theta_0; each outer step runs k inner steps from
    theta = phi, then phi <- phi + alpha (theta_k - phi). The inner
    optimizer's state carries over from one outer step to the next."""
    inner_init, inner_update = inner

    def init(params):
        return {"inner": inner_init(params),
                "slow": [np.array(p, copy=True) for p in params],
                "inner_steps": 0}

    def update(grads, state, params, step):
        params, state["inner"] = inner_update(grads, state["inner"], params,
                                              step)
        state["inner_steps"] += 1
        if state["inner_steps"] == sync_period:
            state["slow"] = [phi + slow_step_size * (theta - phi)
                             for phi, theta in zip(state["slow"], params)]
            params = [np.array(phi, copy=True) for phi in state["slow"]]
            state["inner_steps"] = 0
        return params, state

    return init, update
