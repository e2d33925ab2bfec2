import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import learning_rate_schedules as curves
from kerastricks.utils import validation


@kerastricks_export("kerastricks.schedules.OneCycleLearningRate")
class OneCycleLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """One-cycle learning rate: one warmup to a large rate, then annealing.

    The "1cycle" policy behind super-convergence: the rate rises from
    `maximal_learning_rate / div_factor` to the maximum over the first
    `pct_start` of training, then anneals far below the start. The large
    rates in the middle regularize, so a run can reach the accuracy of a
    standard schedule in a fraction of the steps. The values equal
    PyTorch's `torch.optim.lr_scheduler.OneCycleLR` (its `max_lr` is
    `maximal_learning_rate` here; the momentum cycling of `OneCycleLR` is
    not part of a learning-rate schedule).

    ```python
    initial = maximal / div_factor;   minimal = initial / final_div_factor
    p = pct_start * total_steps;   T = total_steps
    phases (end step, from, to), each starting where the last ended:
        two-phase:   (p - 1, initial, maximal), (T - 1, maximal, minimal)
        three_phase: (p - 1, initial, maximal), (2p - 2, maximal, initial),
                     (T - 1, initial, minimal)
    lr = anneal(from, to, (step - start) / (end - start))   # "cos" or "linear"
    ```

    Steps past `total_steps - 1` hold the final rate (PyTorch raises).

    Args:
        maximal_learning_rate: float > 0, the peak rate.
        total_steps: int > 0, the length of the cycle (epochs times steps
            per epoch).
        pct_start: float in [0, 1], the fraction of the steps spent rising.
            Defaults to `0.3`.
        anneal_strategy: `"cos"` or `"linear"`. Defaults to `"cos"`.
        div_factor: float > 0, initial rate = maximal / div_factor.
            Defaults to `25.0`.
        final_div_factor: float > 0, final rate = initial /
            final_div_factor. Defaults to `1e4`.
        three_phase: bool, come back down to the initial rate before the
            final annealing (the paper's form). Defaults to `False`.
        name: string. Defaults to `"OneCycleLearningRate"`.

    Example:

    >>> schedule = kerastricks.schedules.OneCycleLearningRate(
    ...     maximal_learning_rate=0.1, total_steps=100)
    >>> [f"{float(schedule(step)):.2g}" for step in (0, 29, 99)]
    ['0.004', '0.1', '4e-07']
    >>> optimizer = keras.optimizers.SGD(learning_rate=schedule)

    References:
        - [Smith and Topin, 2017](https://arxiv.org/abs/1708.07120),
          "Super-Convergence: Very Fast Training of Neural Networks Using
          Large Learning Rates".
        - PyTorch `torch.optim.lr_scheduler.OneCycleLR`, whose definition
          this follows.
    """

    def __init__(self, maximal_learning_rate, total_steps, pct_start=0.3,
                 anneal_strategy="cos", div_factor=25.0,
                 final_div_factor=1e4, three_phase=False,
                 name="OneCycleLearningRate"):
        super().__init__()
        self.maximal_learning_rate = validation.check_positive(
            "maximal_learning_rate", maximal_learning_rate)
        self.total_steps = validation.check_positive_int("total_steps",
                                                         total_steps)
        self.pct_start = validation.check_in_range("pct_start", pct_start,
                                                   0.0, 1.0)
        self.anneal_strategy = validation.check_one_of(
            "anneal_strategy", anneal_strategy, curves.ANNEAL_STRATEGIES)
        self.div_factor = validation.check_positive("div_factor", div_factor)
        self.final_div_factor = validation.check_positive(
            "final_div_factor", final_div_factor)
        self.three_phase = validation.check_bool("three_phase", three_phase)
        self.name = name
        start = 0.0
        for index, (end, _, _) in enumerate(curves.one_cycle_phases(
                total_steps, pct_start, three_phase)):
            if end <= start:
                raise ValueError(
                    f"OneCycleLearningRate phase {index + 1} would end at "
                    f"step {end:g}, not after its start {start:g}: use more "
                    "`total_steps` or a `pct_start` further from 0 and 1. "
                    f"Received: total_steps={total_steps}, "
                    f"pct_start={pct_start}, three_phase={three_phase}")
            start = end

    def __call__(self, step):
        with keras.name_scope(self.name):
            return curves.one_cycle_learning_rate(
                step, self.maximal_learning_rate, self.total_steps,
                pct_start=self.pct_start,
                anneal_strategy=self.anneal_strategy,
                div_factor=self.div_factor,
                final_div_factor=self.final_div_factor,
                three_phase=self.three_phase)

    def get_config(self):
        return {
            "maximal_learning_rate": self.maximal_learning_rate,
            "total_steps": self.total_steps,
            "pct_start": self.pct_start,
            "anneal_strategy": self.anneal_strategy,
            "div_factor": self.div_factor,
            "final_div_factor": self.final_div_factor,
            "three_phase": self.three_phase,
            "name": self.name,
        }
