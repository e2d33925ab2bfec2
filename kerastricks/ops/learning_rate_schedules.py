"""Learning-rate curves as pure functions of the step, in `keras.ops`, so
that they trace once under `jit` with a tensor step: cyclical learning
rates (Smith, 2017, arXiv 1506.01186), one-cycle (Smith and Topin, 2017,
arXiv 1708.07120; PyTorch's `OneCycleLR` definition) and
warmup-stable-decay (Hu et al., 2024, arXiv 2404.06395)."""

import math

from keras import ops

CYCLICAL_MODES = ("triangular", "triangular2", "exp_range")
SCALE_MODES = ("cycle", "iterations")
ANNEAL_STRATEGIES = ("cos", "linear")
DECAY_SHAPES = ("linear", "cosine", "1-sqrt", "exponential")


def _float_step(step):
    return ops.cast(ops.convert_to_tensor(step), "float32")


def cyclical_learning_rate(step, initial_learning_rate, maximal_learning_rate,
                           step_size, mode="triangular", gamma=1.0,
                           scale_fn=None, scale_mode="cycle"):
    """The cyclical learning rate at `step` (tensorflow-addons' and
    PyTorch's `CyclicLR` definition).

    A triangle between the two rates with half-period `step_size`, its
    amplitude scaled by `scale_fn` of the cycle number (1-based) or of the
    step: 1 (`"triangular"`), 1 / 2^(cycle - 1) (`"triangular2"`) or
    gamma^step (`"exp_range"`); a given `scale_fn` replaces `mode` and is
    applied to what `scale_mode` names.
    """
    step = _float_step(step)
    cycle = ops.floor(1.0 + step / (2.0 * step_size))
    position = ops.abs(step / step_size - 2.0 * cycle + 1.0)
    if scale_fn is None:
        if mode == "triangular":
            scale = 1.0
        elif mode == "triangular2":
            scale = ops.power(2.0, 1.0 - cycle)
        else:
            scale = ops.power(ops.cast(gamma, "float32"), step)
    else:
        scale = scale_fn(cycle if scale_mode == "cycle" else step)
    amplitude = maximal_learning_rate - initial_learning_rate
    return initial_learning_rate + amplitude * ops.maximum(
        0.0, 1.0 - position) * ops.cast(scale, "float32")


def _anneal(start, end, done, remaining, strategy):
    """From `start` to `end`; `done` and `remaining` (1 - done, computed
    apart so that the end rate comes out exactly) are fractions."""
    if strategy == "cos":
        return end + (start - end) / 2.0 * (ops.cos(math.pi * done) + 1.0)
    return start * remaining + end * done


def one_cycle_phases(total_steps, pct_start, three_phase):
    """[(end_step, start_rate, end_rate)] of PyTorch's `OneCycleLR`, the
    rates named `"initial"`, `"max"` and `"min"`; phase i starts where
    phase i - 1 ends (the first at 0)."""
    warmup_end = float(pct_start * total_steps) - 1.0
    if three_phase:
        return [(warmup_end, "initial", "max"),
                (float(2 * pct_start * total_steps) - 2.0, "max", "initial"),
                (float(total_steps - 1), "initial", "min")]
    return [(warmup_end, "initial", "max"),
            (float(total_steps - 1), "max", "min")]


def one_cycle_learning_rate(step, maximal_learning_rate, total_steps,
                            pct_start=0.3, anneal_strategy="cos",
                            div_factor=25.0, final_div_factor=1e4,
                            three_phase=False):
    """The one-cycle learning rate at `step`, as PyTorch's `OneCycleLR`.

    Starts at `maximal_learning_rate / div_factor`, anneals up to the
    maximum over the first `pct_start` of `total_steps`, then down to the
    start rate / `final_div_factor` (with `three_phase`, first back to the
    start rate symmetrically, then down). Steps past `total_steps - 1`
    hold the final rate.
    """
    initial = maximal_learning_rate / div_factor
    rates = {"initial": initial, "max": maximal_learning_rate,
             "min": initial / final_div_factor}
    step = ops.minimum(_float_step(step), float(total_steps - 1))
    phases = one_cycle_phases(total_steps, pct_start, three_phase)
    # The phases from last to first: each earlier phase takes over where
    # the step has not passed its end.
    start_steps = [0.0] + [end for end, _, _ in phases[:-1]]
    rate = None
    for (end, start_name, end_name), start in zip(phases[::-1],
                                                  start_steps[::-1]):
        phase_rate = _anneal(rates[start_name], rates[end_name],
                             (step - start) / (end - start),
                             (end - step) / (end - start), anneal_strategy)
        rate = phase_rate if rate is None else ops.where(step <= end,
                                                         phase_rate, rate)
    return rate


def warmup_stable_decay(step, peak_learning_rate, warmup_steps, stable_steps,
                        decay_steps, initial_learning_rate=0.0,
                        final_learning_rate=0.0, decay_shape="linear"):
    """The warmup-stable-decay (WSD) learning rate at `step`.

    Linear warmup from `initial_learning_rate` to the peak over
    `warmup_steps`, the peak for `stable_steps`, then a decay to
    `final_learning_rate` over `decay_steps` shaped by `decay_shape`
    (fraction f of the decay done): `"linear"` 1 - f, `"cosine"`
    (1 + cos(pi f)) / 2, `"1-sqrt"` 1 - sqrt(f) of the way from the final
    rate to the peak, or `"exponential"` peak * (final / peak)^f. The final
    rate holds afterwards.
    """
    step = _float_step(step)
    decay_start = float(warmup_steps + stable_steps)
    fraction = ops.clip((step - decay_start) / float(decay_steps), 0.0, 1.0)
    # 1 - fraction, computed apart so that the final rate comes out exactly.
    unfinished = ops.clip((decay_start + decay_steps - step)
                          / float(decay_steps), 0.0, 1.0)
    if decay_shape == "exponential":
        rate = peak_learning_rate * ops.power(
            final_learning_rate / peak_learning_rate, fraction)
    else:
        if decay_shape == "linear":
            remaining = unfinished
        elif decay_shape == "cosine":
            remaining = 0.5 * (1.0 + ops.cos(math.pi * fraction))
        else:
            remaining = 1.0 - ops.sqrt(fraction)
        rate = final_learning_rate + (
            peak_learning_rate - final_learning_rate) * remaining
    if warmup_steps:
        warming = initial_learning_rate + (
            peak_learning_rate - initial_learning_rate) * step / warmup_steps
        rate = ops.where(step < warmup_steps, warming, rate)
    return rate
