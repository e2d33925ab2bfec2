"""NumPy transcriptions of RAdam, AdaBelief and Adan, written from the
papers and the authors' code with the authors' Python branches. Each is
`init(params) -> state` and `update(grads, state, params, step) ->
(params, state)`, as in `tests/references/optimizers.py`; no keras here."""

import math

import numpy as np


def _rectified_step_size(step, beta_1, beta_2, threshold,
                         degenerated_to_sgd):
    """RAdam's step-size multiplier: `(rho_t, step_size)`, step_size -1
    where the step is skipped (the authors' convention)."""
    beta_2_t = beta_2**step
    rho_inf = 2 / (1 - beta_2) - 1
    rho_t = rho_inf - 2 * step * beta_2_t / (1 - beta_2_t)
    if rho_t >= threshold:
        step_size = math.sqrt(
            (1 - beta_2_t) * (rho_t - 4) / (rho_inf - 4) * (rho_t - 2)
            / rho_t * rho_inf / (rho_inf - 2)) / (1 - beta_1**step)
    elif degenerated_to_sgd:
        step_size = 1 / (1 - beta_1**step)
    else:
        step_size = -1
    return rho_t, step_size


def radam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
          rectify_threshold=5.0, degenerated_to_sgd=True, weight_decay=0.0):
    def init(params):
        return {"m": [np.zeros_like(p) for p in params],
                "v": [np.zeros_like(p) for p in params]}

    def update(grads, state, params, step):
        rho_t, step_size = _rectified_step_size(
            step, beta_1, beta_2, rectify_threshold, degenerated_to_sgd)
        new_params = []
        for i, (g, p) in enumerate(zip(grads, params)):
            v = beta_2 * state["v"][i] + (1 - beta_2) * g * g
            m = beta_1 * state["m"][i] + (1 - beta_1) * g
            state["m"][i], state["v"][i] = m, v
            if rho_t >= rectify_threshold:
                p = p - weight_decay * learning_rate * p
                p = p - step_size * learning_rate * m / (np.sqrt(v)
                                                         + epsilon)
            elif step_size > 0:
                p = p - weight_decay * learning_rate * p
                p = p - step_size * learning_rate * m
            new_params.append(p)
        return new_params, state

    return init, update


def adabelief(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-16,
              decoupled_weight_decay=True, rectify=False,
              rectify_threshold=5.0, degenerated_to_sgd=True,
              weight_decay=0.0):
    def init(params):
        return {"m": [np.zeros_like(p) for p in params],
                "s": [np.zeros_like(p) for p in params]}

    def update(grads, state, params, step):
        bias_correction_1 = 1 - beta_1**step
        bias_correction_2 = 1 - beta_2**step
        new_params = []
        for i, (g, p) in enumerate(zip(grads, params)):
            if decoupled_weight_decay:
                p = p * (1 - learning_rate * weight_decay)
            else:
                g = g + weight_decay * p
            m = beta_1 * state["m"][i] + (1 - beta_1) * g
            residual = g - m
            s = beta_2 * state["s"][i] + (1 - beta_2) * residual**2
            s = s + epsilon          # in place in the authors' code
            state["m"][i], state["s"][i] = m, s
            if not rectify:
                denominator = (np.sqrt(s) / math.sqrt(bias_correction_2)
                               + epsilon)
                p = p - learning_rate / bias_correction_1 * m / denominator
            else:
                rho_t, step_size = _rectified_step_size(
                    step, beta_1, beta_2, rectify_threshold,
                    degenerated_to_sgd)
                if rho_t >= rectify_threshold:
                    p = p - step_size * learning_rate * m / (np.sqrt(s)
                                                             + epsilon)
                elif step_size > 0:
                    p = p - step_size * learning_rate * m
            new_params.append(p)
        return new_params, state

    return init, update


def adan(learning_rate=1e-3, beta_1=0.98, beta_2=0.92, beta_3=0.99,
         epsilon=1e-8, max_grad_norm=0.0, no_prox=False, weight_decay=0.0):
    """Betas as in the authors' code (decays); the paper writes 1 - beta."""

    def init(params):
        return {"m": [np.zeros_like(p) for p in params],
                "d": [np.zeros_like(p) for p in params],
                "n": [np.zeros_like(p) for p in params],
                "previous": [None] * len(params)}

    def update(grads, state, params, step):
        clip = 1.0
        if max_grad_norm > 0:
            norm = math.sqrt(sum(np.sum(g * g) for g in grads))
            clip = min(max_grad_norm / (norm + epsilon), 1.0)
        bias_correction_1 = 1 - beta_1**step
        bias_correction_2 = 1 - beta_2**step
        bias_correction_3 = 1 - beta_3**step
        new_params = []
        for i, (g, p) in enumerate(zip(grads, params)):
            g = g * clip
            previous = g if step == 1 else state["previous"][i]
            diff = g - previous
            m = beta_1 * state["m"][i] + (1 - beta_1) * g
            d = beta_2 * state["d"][i] + (1 - beta_2) * diff
            look_ahead = g + beta_2 * diff
            n = beta_3 * state["n"][i] + (1 - beta_3) * look_ahead**2
            state["m"][i], state["d"][i], state["n"][i] = m, d, n
            state["previous"][i] = g
            denominator = np.sqrt(n) / math.sqrt(bias_correction_3) + epsilon
            update_ = (m / bias_correction_1
                       + beta_2 * d / bias_correction_2) / denominator
            if no_prox:
                p = p * (1 - learning_rate * weight_decay)
                p = p - learning_rate * update_
            else:
                p = p - learning_rate * update_
                p = p / (1 + learning_rate * weight_decay)
            new_params.append(p)
        return new_params, state

    return init, update
