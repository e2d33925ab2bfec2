"""NumPy references for GSAM (Zhuang et al., arXiv 2203.08065, from the
authors' `gsam.py`), LookSAM (Liu et al., arXiv 2203.02714, Algorithm 1 of
the paper) and Friendly SAM (Li et al., arXiv 2403.12350, from the
authors' `FriendlySAM` optimizer): full-batch steps with plain SGD on
softmax regression, written with the authors' Python branches; no keras
here."""

import numpy as np

from tests.references.sharpness_aware import np_softmax_regression


def _norm(tensors):
    return np.sqrt(sum(np.sum(t * t) for t in tensors))


def _ascent(direction, rho, epsilon=1e-12):
    scale = rho / (_norm(direction) + epsilon)
    return [d * scale for d in direction]


def _gradients(params, x, labels):
    return np_softmax_regression(*params, x, labels)[1]


def _run(step_fn, kernel, bias, steps):
    params = [np.asarray(kernel, "float64"), np.asarray(bias, "float64")]
    history = []
    for step in range(steps):
        params = step_fn(step, params)
        history.append(params)
    return history


def np_gsam_sgd(kernel, bias, x, labels, learning_rate, rho, alpha, steps,
                epsilon=1e-12):
    """GSAM: the update is g_p - alpha * (g - cos * |g| g_p / |g_p|)."""

    def step_fn(step, params):
        old = _gradients(params, x, labels)
        e = _ascent(old, rho, epsilon)
        new = _gradients([w + d for w, d in zip(params, e)], x, labels)
        inner = sum(np.sum(a * b) for a, b in zip(old, new))
        new_norm, old_norm = _norm(new), _norm(old)
        cosine = inner / (new_norm * old_norm + epsilon)
        update = []
        for g_old, g_new in zip(old, new):
            vertical = g_old - cosine * old_norm * g_new / (new_norm
                                                            + epsilon)
            update.append(g_new - alpha * vertical)
        return [w - learning_rate * u for w, u in zip(params, update)]

    return _run(step_fn, kernel, bias, steps)


def np_look_sam_sgd(kernel, bias, x, labels, learning_rate, rho, k, alpha,
                    steps, epsilon=1e-12):
    """LookSAM: SAM every k steps (from step 0), saving the component of
    the SAM gradient orthogonal to g; in between, g plus that component
    rescaled to alpha |g| / |g_v|."""
    saved = {}

    def step_fn(step, params):
        g = _gradients(params, x, labels)
        if step % k == 0:
            e = _ascent(g, rho, epsilon)
            g_s = _gradients([w + d for w, d in zip(params, e)], x, labels)
            g_norm, g_s_norm = _norm(g), _norm(g_s)
            cosine = sum(np.sum(a * b) for a, b in zip(g, g_s)) / (
                g_norm * g_s_norm + epsilon)
            saved["g_v"] = [b - g_s_norm * cosine * a / (g_norm + epsilon)
                            for a, b in zip(g, g_s)]
            update = g_s
        else:
            g_v = saved["g_v"]
            scale = alpha * _norm(g) / (_norm(g_v) + epsilon)
            update = [a + scale * v for a, v in zip(g, g_v)]
        return [w - learning_rate * u for w, u in zip(params, update)]

    return _run(step_fn, kernel, bias, steps)


def np_friendly_sam_sgd(kernel, bias, x, labels, learning_rate, rho, sigma,
                        lmbda, steps, epsilon=1e-12):
    """F-SAM: perturb along g - sigma * m (m the average before this
    step's gradient joins it); the first step stores m = g and is SAM."""
    state = {}

    def step_fn(step, params):
        g = _gradients(params, x, labels)
        if "momentum" not in state:
            state["momentum"] = g
            direction = g
        else:
            direction = [a - sigma * m for a, m in zip(g, state["momentum"])]
            state["momentum"] = [lmbda * m + (1 - lmbda) * a
                                 for m, a in zip(state["momentum"], g)]
        e = _ascent(direction, rho, epsilon)
        g_s = _gradients([w + d for w, d in zip(params, e)], x, labels)
        return [w - learning_rate * u for w, u in zip(params, g_s)]

    return _run(step_fn, kernel, bias, steps)
