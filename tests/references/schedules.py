"""NumPy references of the learning-rate schedules, one step at a time in
float64, written from tensorflow-addons' `CyclicalLearningRate`, PyTorch's
`OneCycleLR` and the WSD definition of the MiniCPM paper; no keras here."""

import math

import numpy as np


def np_cyclical(steps, initial, maximal, step_size, mode="triangular",
                gamma=1.0, scale_fn=None, scale_mode="cycle"):
    rates = []
    for step in np.asarray(steps, "float64"):
        cycle = math.floor(1 + step / (2 * step_size))
        x = abs(step / step_size - 2 * cycle + 1)
        if scale_fn is not None:
            scale = scale_fn(cycle if scale_mode == "cycle" else step)
        elif mode == "triangular":
            scale = 1.0
        elif mode == "triangular2":
            scale = 1 / 2.0 ** (cycle - 1)
        else:
            scale = gamma ** step
        rates.append(initial + (maximal - initial) * max(0.0, 1 - x) * scale)
    return np.array(rates)


def np_one_cycle(steps, max_lr, total_steps, pct_start=0.3,
                 anneal_strategy="cos", div_factor=25.0,
                 final_div_factor=1e4, three_phase=False):
    initial = max_lr / div_factor
    minimum = initial / final_div_factor
    if three_phase:
        phases = [(pct_start * total_steps - 1, initial, max_lr),
                  (2 * pct_start * total_steps - 2, max_lr, initial),
                  (total_steps - 1, initial, minimum)]
    else:
        phases = [(pct_start * total_steps - 1, initial, max_lr),
                  (total_steps - 1, max_lr, minimum)]
    rates = []
    for step in steps:
        step = min(step, total_steps - 1)   # ours holds the final rate
        start_step = 0.0
        for index, (end_step, start, end) in enumerate(phases):
            if step <= end_step or index == len(phases) - 1:
                pct = (step - start_step) / (end_step - start_step)
                if anneal_strategy == "cos":
                    rate = end + (start - end) / 2 * (math.cos(math.pi * pct)
                                                      + 1)
                else:
                    rate = (end - start) * pct + start
                break
            start_step = end_step
        rates.append(rate)
    return np.array(rates)


def np_warmup_stable_decay(steps, peak, warmup_steps, stable_steps,
                           decay_steps, initial=0.0, final=0.0,
                           decay_shape="linear"):
    rates = []
    for step in steps:
        if step < warmup_steps:
            rates.append(initial + (peak - initial) * step / warmup_steps)
            continue
        if step < warmup_steps + stable_steps:
            rates.append(peak)
            continue
        f = min((step - warmup_steps - stable_steps) / decay_steps, 1.0)
        if decay_shape == "exponential":
            rates.append(peak * (final / peak) ** f)
            continue
        remaining = {"linear": 1 - f,
                     "cosine": (1 + math.cos(math.pi * f)) / 2,
                     "1-sqrt": 1 - math.sqrt(f)}[decay_shape]
        rates.append(final + (peak - final) * remaining)
    return np.array(rates)
