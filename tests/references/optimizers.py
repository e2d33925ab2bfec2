"""NumPy transcriptions of the optimizers, written from the papers and the
authors' code. Each is `init(params) -> state` and
`update(grads, state, params, step) -> (params, state)`; no keras here."""

import math

import numpy as np


def _cosine(x, y, axis, eps):
    dot = np.sum(x * y, axis=axis)
    x_norm = np.maximum(np.sqrt(np.sum(x * x, axis=axis)), eps)
    y_norm = np.maximum(np.sqrt(np.sum(y * y, axis=axis)), eps)
    return np.abs(dot) / (x_norm * y_norm)


def np_radial_projection(update, grad, param, delta, eps):
    """The AdamP/SGDP projection with Keras layout (channels last), written
    with Python branches as in the authors' code. Returns (update, fired)."""
    if param.ndim <= 1:
        return update, False
    channels = param.shape[-1]
    w = param.reshape(-1, channels)
    g = grad.reshape(-1, channels)
    u = update.reshape(-1, channels)
    # View 1: one vector per output channel (a column here).
    if _cosine(g, w, 0, eps).max() < delta / math.sqrt(w.shape[0]):
        unit = w / (np.sqrt(np.sum(w * w, axis=0, keepdims=True)) + eps)
        u = u - unit * np.sum(unit * u, axis=0, keepdims=True)
        return u.reshape(param.shape), True
    # View 2: the whole tensor as one vector.
    if _cosine(g.ravel(), w.ravel(), 0, eps) < delta / math.sqrt(w.size):
        unit = w / (np.sqrt(np.sum(w * w)) + eps)
        u = u - unit * np.sum(unit * u)
        return u.reshape(param.shape), True
    return update, False


def adamp(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
          delta=0.1, wd_ratio=0.1, nesterov=False, weight_decay=0.0):
    def init(params):
        return {
            "m": [np.zeros_like(p) for p in params],
            "v": [np.zeros_like(p) for p in params],
        }

    def update(grads, state, params, step):
        new_params = []
        for i, (g, p) in enumerate(zip(grads, params)):
            m = beta_1 * state["m"][i] + (1 - beta_1) * g
            v = beta_2 * state["v"][i] + (1 - beta_2) * g * g
            state["m"][i], state["v"][i] = m, v
            denom = np.sqrt(v) / math.sqrt(1 - beta_2**step) + epsilon
            step_size = learning_rate / (1 - beta_1**step)
            if nesterov:
                perturb = (beta_1 * m + (1 - beta_1) * g) / denom
            else:
                perturb = m / denom
            perturb, fired = np_radial_projection(perturb, g, p, delta,
                                                  epsilon)
            ratio = wd_ratio if fired else 1.0
            if weight_decay > 0:
                p = p * (1 - learning_rate * weight_decay * ratio)
            new_params.append(p - step_size * perturb)
        return new_params, state

    return init, update


def sgdp(learning_rate=0.01, momentum=0.0, dampening=0.0, nesterov=False,
         epsilon=1e-8, delta=0.1, wd_ratio=0.1, weight_decay=0.0):
    """SGDP as Algorithm 1 of the paper: the buffer is never projected."""

    def init(params):
        return {"buf": [np.zeros_like(p) for p in params]}

    def update(grads, state, params, step):
        new_params = []
        for i, (g, p) in enumerate(zip(grads, params)):
            buf = momentum * state["buf"][i] + (1 - dampening) * g
            state["buf"][i] = buf
            d_p = g + momentum * buf if nesterov else buf.copy()
            d_p, fired = np_radial_projection(d_p, g, p, delta, epsilon)
            ratio = wd_ratio if fired else 1.0
            if weight_decay > 0:
                p = p * (1 - learning_rate * weight_decay * ratio
                         / (1 - momentum))
            new_params.append(p - learning_rate * d_p)
        return new_params, state

    return init, update


def np_orthogonalize(grad, param, eps=1e-30):
    w = param.ravel()
    g = grad.ravel()
    g_perp = g - (w @ g) / (w @ w + eps) * w
    g_tilde = g_perp * np.linalg.norm(g) / (np.linalg.norm(g_perp) + eps)
    return g_tilde.reshape(grad.shape)


def orthograd_sgd(learning_rate=0.01, momentum=0.0, epsilon=1e-30):
    """⊥Grad wrapping Keras-style SGD (v = m*v - lr*g; w += v)."""

    def init(params):
        return {"v": [np.zeros_like(p) for p in params]}

    def update(grads, state, params, step):
        new_params = []
        for i, (g, p) in enumerate(zip(grads, params)):
            g = np_orthogonalize(g, p, epsilon)
            v = momentum * state["v"][i] - learning_rate * g
            state["v"][i] = v
            new_params.append(p + v)
        return new_params, state

    return init, update
