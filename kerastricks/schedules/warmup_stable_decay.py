import numbers

import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import learning_rate_schedules as curves
from kerastricks.utils import validation


def _check_steps(name, value):
    """An int >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"Argument `{name}` must be an integer >= 0. Received: "
            f"{name}={value!r} of type {type(value).__name__}")
    if value < 0:
        raise ValueError(f"Argument `{name}` must be an integer >= 0. "
                         f"Received: {name}={value!r}")
    return int(value)


@kerastricks_export("kerastricks.schedules.WarmupStableDecay")
class WarmupStableDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Warmup-stable-decay (WSD): warm up, hold the peak, then decay fast.

    Splits training into a short linear warmup, a long stable phase at the
    peak rate and a short final decay (about 10 % of the steps). Unlike
    cosine decay it does not need the run length in advance: a checkpoint
    from the stable phase can be decayed at any point, and the loss drops
    sharply during the decay to match a tuned cosine schedule. This makes
    it the schedule of choice for continued training and for scaling-law
    sweeps that branch decays off one run.

    ```python
    W, S, D = warmup_steps, stable_steps, decay_steps
    if step < W:       lr = initial + (peak - initial) * step / W
    elif step < W + S: lr = peak
    else:              f = min((step - W - S) / D, 1)
        "linear":      lr = final + (peak - final) * (1 - f)
        "cosine":      lr = final + (peak - final) * (1 + cos(pi * f)) / 2
        "1-sqrt":      lr = final + (peak - final) * (1 - sqrt(f))
        "exponential": lr = peak * (final / peak) ** f       # final > 0
    ```

    Args:
        peak_learning_rate: float > 0, the rate of the stable phase.
        warmup_steps: int >= 0, the steps of the linear warmup.
        stable_steps: int >= 0, the steps at the peak.
        decay_steps: int > 0, the steps of the decay; the final rate holds
            afterwards.
        initial_learning_rate: float >= 0, the rate at step 0 of the
            warmup. Defaults to `0.0`.
        final_learning_rate: float >= 0 (> 0 for `"exponential"`), the rate
            at the end of the decay. Defaults to `0.0`.
        decay_shape: `"linear"`, `"cosine"`, `"1-sqrt"` or
            `"exponential"` (the paper's). Defaults to `"linear"`.
        name: string. Defaults to `"WarmupStableDecay"`.

    Example:

    >>> schedule = kerastricks.schedules.WarmupStableDecay(
    ...     peak_learning_rate=1e-3, warmup_steps=10, stable_steps=80,
    ...     decay_steps=10)
    >>> [round(float(schedule(step)), 6) for step in (0, 5, 50, 95, 100)]
    [0.0, 0.0005, 0.001, 0.0005, 0.0]
    >>> optimizer = keras.optimizers.AdamW(learning_rate=schedule)

    References:
        - [Hu et al., 2024](https://arxiv.org/abs/2404.06395), "MiniCPM:
          Unveiling the Potential of Small Language Models with Scalable
          Training Strategies" (the WSD schedule, exponential decay).
        - [Hägele et al., 2024](https://arxiv.org/abs/2405.18392), "Scaling
          Laws and Compute-Optimal Training Beyond Fixed Training
          Durations" (the "1-sqrt" decay).
    """

    def __init__(self, peak_learning_rate, warmup_steps, stable_steps,
                 decay_steps, initial_learning_rate=0.0,
                 final_learning_rate=0.0, decay_shape="linear",
                 name="WarmupStableDecay"):
        super().__init__()
        self.peak_learning_rate = validation.check_positive(
            "peak_learning_rate", peak_learning_rate)
        self.warmup_steps = _check_steps("warmup_steps", warmup_steps)
        self.stable_steps = _check_steps("stable_steps", stable_steps)
        self.decay_steps = validation.check_positive_int("decay_steps",
                                                         decay_steps)
        self.initial_learning_rate = validation.check_non_negative(
            "initial_learning_rate", initial_learning_rate)
        self.final_learning_rate = validation.check_non_negative(
            "final_learning_rate", final_learning_rate)
        self.decay_shape = validation.check_one_of(
            "decay_shape", decay_shape, curves.DECAY_SHAPES)
        if decay_shape == "exponential" and final_learning_rate == 0:
            raise ValueError(
                "WarmupStableDecay with decay_shape='exponential' decays "
                "geometrically and never reaches 0: give a "
                "`final_learning_rate` > 0. Received: final_learning_rate=0")
        self.name = name

    def __call__(self, step):
        with keras.name_scope(self.name):
            return curves.warmup_stable_decay(
                step, self.peak_learning_rate, self.warmup_steps,
                self.stable_steps, self.decay_steps,
                initial_learning_rate=self.initial_learning_rate,
                final_learning_rate=self.final_learning_rate,
                decay_shape=self.decay_shape)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
            "stable_steps": self.stable_steps,
            "decay_steps": self.decay_steps,
            "initial_learning_rate": self.initial_learning_rate,
            "final_learning_rate": self.final_learning_rate,
            "decay_shape": self.decay_shape,
            "name": self.name,
        }
