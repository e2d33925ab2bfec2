import numbers

import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation

_STATE_KEYS = ("remaining_budget", "num_queries", "noisy_threshold", "rng")


@kerastricks_export("kerastricks.utils.ReusableHoldout")
class ReusableHoldout:
    """A holdout set that answers adaptively chosen queries (Thresholdout).

    Reusing one validation set for many adaptively chosen questions (which
    features to keep, which trial is best) overfits it: its estimates drift
    above the truth. Thresholdout answers each query `phi` with the
    training estimate while the training and holdout estimates agree to
    within a noisy threshold, and only otherwise with the holdout estimate
    plus Laplace noise, spending one unit of a budget. The analyst learns
    about the holdout set only through these rare, noisy answers, so it
    stays valid for a number of queries far beyond its size. Use it between
    trials of a search (it runs on the host, in NumPy, with its own seeded
    generator); `kerastricks.utils.ThresholdoutOracle` plugs it into
    KerasTuner.

    ```python
    # Thresholdout(threshold T, noise_scale sigma, budget B)
    T_hat = T + Laplace(2 * sigma)
    for each query phi:
        if B < 1: stop (the budget is spent)
        eta = Laplace(4 * sigma)
        if abs(mean_holdout(phi) - mean_train(phi)) > T_hat + eta:
            xi, gamma = Laplace(sigma), Laplace(2 * sigma)
            B -= 1
            T_hat = T + gamma
            answer mean_holdout(phi) + xi
        else:
            answer mean_train(phi)
    ```

    Args:
        budget: int. How many queries may be answered from the holdout set
            (B, the number of times the threshold may be crossed); once
            spent, `query` raises, as the algorithm stops there.
        threshold: float. The gap T between the training and holdout
            estimates below which the training estimate is answered.
            Defaults to `0.04`, the value of the paper's experiment with
            10,000 holdout examples; it should shrink like 1/sqrt(n).
        noise_scale: float. The Laplace scale sigma of the answer noise;
            the threshold noise has scale 2 sigma, the per-query noise
            4 sigma. Defaults to `0.01` (the experiment's tolerance).
        seed: int or None. Seeds the NumPy generator of the noise.
            Defaults to `None` (fresh entropy).

    Example:

    >>> holdout = kerastricks.utils.ReusableHoldout(budget=10, seed=0)
    >>> holdout.query(training_value=0.61, holdout_value=0.60)
    0.61
    >>> round(holdout.query(training_value=0.95, holdout_value=0.60), 1)
    0.6
    >>> holdout.remaining_budget
    9

    References:
    - [Dwork et al., 2015, The reusable holdout: Preserving validity in
      adaptive data analysis](https://doi.org/10.1126/science.aaa9375)
    - [Dwork et al., 2015, Generalization in Adaptive Data Analysis and
      Holdout Reuse](https://arxiv.org/abs/1506.02629)
    """

    def __init__(self, budget, threshold=0.04, noise_scale=0.01, seed=None):
        self.budget = validation.check_positive_int("budget", budget)
        self.threshold = float(
            validation.check_non_negative("threshold", threshold))
        self.noise_scale = float(
            validation.check_positive("noise_scale", noise_scale))
        if seed is not None:
            _check_seed(seed)
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self.remaining_budget = self.budget
        self.num_queries = 0
        self._noisy_threshold = self.threshold + self._laplace(2.0)

    @property
    def exhausted(self):
        """Whether the budget is spent (`query` raises from then on)."""
        return self.remaining_budget < 1

    def query(self, training_value, holdout_value):
        """Answers one query from its training and holdout estimates.

        Returns `training_value` while the two agree to within the noisy
        threshold, else `holdout_value` plus Laplace noise (which spends
        one unit of the budget). Raises `RuntimeError` once the budget is
        spent.
        """
        training_value = float(
            validation.check_number("training_value", training_value))
        holdout_value = float(
            validation.check_number("holdout_value", holdout_value))
        if self.exhausted:
            raise RuntimeError(
                f"The Thresholdout budget of {self.budget} holdout answers "
                f"is spent (after {self.num_queries} queries); the holdout "
                "set can no longer be reused safely. Start a new one with a "
                "fresh holdout set, or a larger `budget`."
            )
        self.num_queries += 1
        query_noise = self._laplace(4.0)
        if abs(holdout_value - training_value) > (self._noisy_threshold
                                                  + query_noise):
            answer_noise = self._laplace(1.0)
            self.remaining_budget -= 1
            self._noisy_threshold = self.threshold + self._laplace(2.0)
            return holdout_value + answer_noise
        return training_value

    def _laplace(self, scale_in_sigmas):
        return float(self._rng.laplace(
            scale=scale_in_sigmas * self.noise_scale))

    def get_config(self):
        return {"budget": self.budget, "threshold": self.threshold,
                "noise_scale": self.noise_scale, "seed": self.seed}

    def get_state(self):
        """The evolving state as JSON-compatible data: the remaining
        budget, the query count, the current noisy threshold and the
        generator's state."""
        return {"remaining_budget": self.remaining_budget,
                "num_queries": self.num_queries,
                "noisy_threshold": self._noisy_threshold,
                "rng": self._rng.bit_generator.state}

    def set_state(self, state):
        """Restores what `get_state` returned, so that a resumed holdout
        answers exactly as the uninterrupted one would."""
        if not isinstance(state, dict) or sorted(state) != sorted(
                _STATE_KEYS):
            keys = sorted(state) if isinstance(state, dict) else state
            raise ValueError(
                f"Argument `state` must be a dict with keys "
                f"{sorted(_STATE_KEYS)}, as returned by `get_state()`. "
                f"Received: state={keys!r}"
            )
        remaining = state["remaining_budget"]
        if (isinstance(remaining, bool)
                or not isinstance(remaining, numbers.Integral)
                or not 0 <= remaining <= self.budget):
            raise ValueError(
                "The saved `remaining_budget` must be an integer in "
                f"[0, {self.budget}] (the budget). "
                f"Received: remaining_budget={remaining!r}"
            )
        self._rng.bit_generator.state = state["rng"]
        self.remaining_budget = int(remaining)
        self.num_queries = int(state["num_queries"])
        self._noisy_threshold = float(state["noisy_threshold"])


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            "Argument `seed` must be a non-negative integer or None. "
            f"Received: seed={seed!r} of type {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(
            "Argument `seed` must be a non-negative integer or None. "
            f"Received: seed={seed!r}"
        )
