from kerastricks.api_export import kerastricks_export
from kerastricks.metrics._score_histogram import ScoreHistogramMetric
from kerastricks.ops import roc_histogram
from kerastricks.utils import validation


@kerastricks_export("kerastricks.metrics.FPRAt95TPR")
class FPRAt95TPR(ScoreHistogramMetric):
    """False positive rate at 95% true positive rate (FPR@95).

    The detection metric of the out-of-distribution literature (reported by
    AbeT, Energy, GODIN): choose the highest threshold that still detects
    95% of the positives, and report the fraction of negatives above it
    (lower is better). Stateful and compiled: the scores are counted into
    `num_bins` equal bins over `score_range` (see
    `kerastricks.ops.roc_histogram`), so the result equals scikit-learn's
    `roc_curve` (`drop_intermediate=False`) whenever no bin holds scores of
    both classes that differ; choose `score_range` to cover the scores.

    ```python
    tpr(t) = P(score >= t | y = 1)     fpr(t) = P(score >= t | y = 0)
    t* = max {t : tpr(t) >= target_tpr}      result = fpr(t*)
    ```

    Label convention: `y_true = 1` for the class that must be detected at
    95% and `y_pred` a score that is higher for it. The AbeT paper holds
    the in-distribution examples at 95%: pass `y_true = 1` for them and
    `y_pred = -abet_score(...)` (the logsumexp of the scaled logits).

    Args:
        target_tpr: float in (0, 1], the true positive rate held. Defaults
            to `0.95`.
        score_range: pair `(low, high)` covering the scores; scores
            outside fall into the end bins. Defaults to `(0.0, 1.0)`.
        num_bins: positive int, the number of thresholds. Defaults to
            `10000`.
        name: the metric's name. Defaults to `"fpr_at_95_tpr"`.
        dtype: the result's dtype.

    Example:

    >>> metric = kerastricks.metrics.FPRAt95TPR()
    >>> metric.update_state([1, 1, 0, 0], [0.9, 0.8, 0.85, 0.1])
    >>> float(metric.result())
    0.5

    References:
        - [Liang et al., 2018](https://arxiv.org/abs/1706.02690),
          "Enhancing The Reliability of Out-of-distribution Image Detection
          in Neural Networks" (the FPR at 95% TPR protocol).
        - [LeVine et al., 2024](https://arxiv.org/abs/2401.12129),
          "Out-of-Distribution Detection & Applications With Ablated
          Learned Temperature Energy".
    """

    def __init__(self, target_tpr=0.95, score_range=(0.0, 1.0),
                 num_bins=10000, name="fpr_at_95_tpr", dtype=None):
        super().__init__(score_range=score_range, num_bins=num_bins,
                         name=name, dtype=dtype)
        self.target_tpr = validation.check_in_range(
            "target_tpr", target_tpr, low=0, low_inclusive=False, high=1)

    def result(self):
        return roc_histogram.fpr_at_tpr(
            self.positive_counts, self.negative_counts, self.target_tpr)

    def get_config(self):
        config = super().get_config()
        config["target_tpr"] = self.target_tpr
        return config
