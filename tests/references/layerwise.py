"""NumPy transcriptions of Keras's Muon step, of noise-adaptive layerwise
learning rates around it (Hao et al., 2025, arXiv 2510.14009, as this
library reads it: see the method card) and of independent weight decay
(Wortsman et al., 2023, arXiv 2309.14322) around SGD; no keras here.

Optimizers take the `(init, update)` form of the optimizer harness."""

import numpy as np


def nuclear_norm(x):
    return float(np.sum(np.linalg.svd(np.asarray(x, "float64"),
                                      compute_uv=False)))


def newton_schulz(x, steps=5, a=3.4445, b=-4.7750, c=2.0315):
    """The quintic Newton-Schulz iteration of Keras's Muon, transposing a
    tall matrix to a wide one first."""
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def muon(learning_rate=0.01, momentum=0.95, weight_decay=0.0,
         adam_weight_decay=0.0, adam_beta_1=0.9, adam_beta_2=0.999,
         epsilon=1e-7, rms_rate=0.2, nesterov=True):
    """Keras's Muon: an orthogonalized momentum step on 2D variables, an
    Adam step (with bias correction) on the others; decoupled decay
    `w -= lr * decay * w` before the step."""

    def init(params):
        return {"momentum": [np.zeros_like(p) for p in params],
                "velocity": [np.zeros_like(p) for p in params]}

    def update(grads, state, params, step):
        new_params = []
        for i, (g, w) in enumerate(zip(grads, params)):
            m = state["momentum"][i]
            if w.ndim == 2:
                w = w - w * weight_decay * learning_rate
                m = momentum * m + g
                direction = g + momentum * m if nesterov else m
                change = newton_schulz(direction)
                if rms_rate is not None:
                    change = change * np.sqrt(max(w.shape)) * rms_rate
                w = w - learning_rate * change
            else:
                w = w - w * adam_weight_decay * learning_rate
                v = state["velocity"][i]
                m = m + (g - m) * (1 - adam_beta_1)
                v = v + (g * g - v) * (1 - adam_beta_2)
                alpha = (learning_rate * np.sqrt(1 - adam_beta_2 ** step)
                         / (1 - adam_beta_1 ** step))
                w = w - m * alpha / (np.sqrt(v) + epsilon)
                state["velocity"][i] = v
            state["momentum"][i] = m
            new_params.append(w)
        return new_params, state

    return init, update


def noise_adaptive_multipliers(noise_estimates, epsilon=1e-12):
    """min(1, sqrt((mean H + eps) / (H_l + eps))) per layer."""
    noise_estimates = np.asarray(noise_estimates, "float64")
    reference = noise_estimates.mean()
    return np.minimum(
        np.sqrt((reference + epsilon) / (noise_estimates + epsilon)), 1.0)


def noise_adaptive_layerwise_lr(inner, beta_1=0.9, beta_2=0.99,
                                epsilon=1e-12, rms_rate=0.2):
    """Each 2D variable l: the deviation of its gradient from its gradient
    average, in the dual norm rho * nuclear norm (rho = rms_rate *
    sqrt(max(shape))), feeds an EMA H_l; the inner step of l is scaled by
    its multiplier. Other variables take the inner step unchanged."""
    inner_init, inner_update = inner

    def dual_norm(x):
        radius = 1.0 if rms_rate is None else rms_rate * np.sqrt(
            max(x.shape))
        return radius * nuclear_norm(x)

    def init(params):
        return {"inner": inner_init(params),
                "average": [np.zeros_like(p) for p in params],
                "noise": [0.0 for _ in params],
                "multipliers": []}

    def update(grads, state, params, step):
        spectral = [i for i, p in enumerate(params) if p.ndim == 2]
        for i in spectral:
            previous = grads[i] if step == 1 else state["average"][i]
            deviation = dual_norm(grads[i] - previous)
            state["noise"][i] = (beta_2 * state["noise"][i]
                                 + (1 - beta_2) * deviation ** 2)
            state["average"][i] = beta_1 * previous + (1 - beta_1) * grads[i]
        multipliers = noise_adaptive_multipliers(
            [state["noise"][i] for i in spectral], epsilon)
        state["multipliers"] = multipliers
        stepped, state["inner"] = inner_update(grads, state["inner"], params,
                                               step)
        new_params = list(stepped)
        for multiplier, i in zip(multipliers, spectral):
            new_params[i] = params[i] + multiplier * (stepped[i] - params[i])
        return new_params, state

    return init, update


def cosine_decay_with_warmup(step, peak, warmup_steps, decay_steps):
    """Keras's CosineDecay from 0 with linear warmup to `peak`, at a step
    counted from 0, decaying to 0 (alpha=0)."""
    if step < warmup_steps:
        return peak * step / warmup_steps
    progress = min(step - warmup_steps, decay_steps) / decay_steps
    return peak * 0.5 * (1 + np.cos(np.pi * progress))


def independent_weight_decay_sgd(learning_rate, peak_learning_rate,
                                 weight_decay):
    """Plain SGD with decoupled decay of the weights before the step,
    scaled by the schedule's shape only:
    w <- w - lr_t * g - (lr_t / peak) * weight_decay * w, where
    `learning_rate(step)` takes the step counted from 0."""

    def init(params):
        return {}

    def update(grads, state, params, step):
        rate = learning_rate(step - 1)
        factor = rate / peak_learning_rate * weight_decay
        return [w - rate * g - factor * w
                for w, g in zip(params, grads)], state

    return init, update
