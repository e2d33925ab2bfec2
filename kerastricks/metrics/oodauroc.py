from kerastricks.api_export import kerastricks_export
from kerastricks.metrics._score_histogram import ScoreHistogramMetric
from kerastricks.ops import roc_histogram


@kerastricks_export("kerastricks.metrics.OODAUROC")
class OODAUROC(ScoreHistogramMetric):
    """Area under the ROC curve of a detection score (AUROC).

    The threshold-free companion of `FPRAt95TPR` in out-of-distribution
    detection: the probability that a positive example scores above a
    negative one, ties counted half (higher is better, 0.5 is chance).
    Unlike `keras.metrics.AUC`, which bins predictions in [0, 1], it takes
    any real score (energy, AbeT, logsumexp) over a `score_range` of your
    choice, with `num_bins` equal bins (see
    `kerastricks.ops.roc_histogram`): it equals scikit-learn's
    `roc_auc_score` whenever no bin holds scores of both classes that
    differ.

    ```python
    auroc = P(s+ > s-) + P(s+ == s-) / 2      (scores in one bin are equal)
    ```

    Args:
        score_range: pair `(low, high)` covering the scores; scores
            outside fall into the end bins. Defaults to `(0.0, 1.0)`.
        num_bins: positive int. Defaults to `10000`.
        name: the metric's name. Defaults to `"ood_auroc"`.
        dtype: the result's dtype.

    Example:

    >>> metric = kerastricks.metrics.OODAUROC()
    >>> metric.update_state([1, 1, 0, 0], [0.9, 0.8, 0.85, 0.1])
    >>> float(metric.result())
    0.75

    References:
        - [Hendrycks and Gimpel, 2017](https://arxiv.org/abs/1610.02136),
          "A Baseline for Detecting Misclassified and Out-of-Distribution
          Examples in Neural Networks" (AUROC for OOD detection).
        - [LeVine et al., 2024](https://arxiv.org/abs/2401.12129),
          "Out-of-Distribution Detection & Applications With Ablated
          Learned Temperature Energy".
    """

    def __init__(self, score_range=(0.0, 1.0), num_bins=10000,
                 name="ood_auroc", dtype=None):
        super().__init__(score_range=score_range, num_bins=num_bins,
                         name=name, dtype=dtype)

    def result(self):
        return roc_histogram.auroc(self.positive_counts,
                                   self.negative_counts)
