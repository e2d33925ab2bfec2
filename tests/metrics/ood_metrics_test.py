import numpy as np
from sklearn import metrics as sklearn_metrics

import kerastricks
from kerastricks import testing
from tests.references import robustness as reference

_RNG = np.random.default_rng(0)
# Continuous scores with distinct values far apart compared with the bin
# width: every bin holds at most one score, so the binned ROC is exact.
_LABELS = _RNG.integers(0, 2, size=200)
_SCORES = (_RNG.permutation(200) * 0.05 - 5.0 + 0.7 * _LABELS).astype(
    "float32")
_KWARGS = {"score_range": (-6.0, 6.0), "num_bins": 12000}


def _sklearn_fpr_at_95(labels, scores):
    fpr, tpr, _ = sklearn_metrics.roc_curve(labels, scores,
                                            drop_intermediate=False)
    return fpr[np.searchsorted(tpr, 0.95, side="left")]


class OODMetricsTest(testing.TestCase):
    def test_match_scikit_learn(self):
        fpr = kerastricks.metrics.FPRAt95TPR(**_KWARGS)
        auroc = kerastricks.metrics.OODAUROC(**_KWARGS)
        for metric in (fpr, auroc):
            metric.update_state(_LABELS[:120], _SCORES[:120])
            metric.update_state(_LABELS[120:], _SCORES[120:])
        self.assertAllClose(fpr.result(), _sklearn_fpr_at_95(_LABELS,
                                                              _SCORES))
        self.assertAllClose(
            auroc.result(),
            sklearn_metrics.roc_auc_score(_LABELS, _SCORES), atol=1e-6)

    def test_weighted_match_scikit_learn(self):
        weights = _RNG.uniform(0.5, 2.0, size=200)
        auroc = kerastricks.metrics.OODAUROC(**_KWARGS)
        auroc.update_state(_LABELS, _SCORES, sample_weight=weights)
        self.assertAllClose(
            auroc.result(),
            sklearn_metrics.roc_auc_score(_LABELS, _SCORES,
                                          sample_weight=weights), atol=1e-6)

    def test_references_match_scikit_learn(self):
        self.assertAllClose(reference.np_fpr_at_tpr(_LABELS, _SCORES),
                            _sklearn_fpr_at_95(_LABELS, _SCORES))
        self.assertAllClose(reference.np_auroc(_LABELS, _SCORES),
                            sklearn_metrics.roc_auc_score(_LABELS, _SCORES))

    def test_shared_bins_bound_the_auroc_error(self):
        # 40 bins for 200 scores: ties inside bins; the error is at most
        # half the fraction of (positive, negative) pairs sharing a bin.
        coarse = {"score_range": (-6.0, 6.0), "num_bins": 40}
        auroc = kerastricks.metrics.OODAUROC(**coarse)
        auroc.update_state(_LABELS, _SCORES)
        bins = np.clip(np.floor((_SCORES + 6.0) / 12.0 * 40), 0, 39)
        positive, negative = bins[_LABELS == 1], bins[_LABELS == 0]
        shared = np.mean(positive[:, None] == negative[None, :])
        error = abs(float(auroc.result())
                    - sklearn_metrics.roc_auc_score(_LABELS, _SCORES))
        self.assertLessEqual(error, 0.5 * shared + 1e-6)

    def test_perfect_and_reversed_detectors(self):
        labels = np.array([0, 0, 1, 1])
        scores = np.array([0.1, 0.2, 0.8, 0.9], "float32")
        for scores_, auroc_value, fpr_value in ((scores, 1.0, 0.0),
                                                (1.0 - scores, 0.0, 1.0)):
            auroc = kerastricks.metrics.OODAUROC()
            fpr = kerastricks.metrics.FPRAt95TPR()
            auroc.update_state(labels, scores_)
            fpr.update_state(labels, scores_)
            self.assertAllClose(auroc.result(), auroc_value)
            self.assertAllClose(fpr.result(), fpr_value)

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "score_range"):
            kerastricks.metrics.OODAUROC(score_range=(1.0, 0.0))
        with self.assertRaisesRegex(ValueError, "target_tpr"):
            kerastricks.metrics.FPRAt95TPR(target_tpr=0.0)
        metric = kerastricks.metrics.OODAUROC()
        with self.assertRaisesRegex(ValueError, "one score per label"):
            metric.update_state(np.zeros(4), np.zeros((4, 2), "float32"))
        with self.assertRaisesRegex(TypeError, "floating-point `y_pred`"):
            metric.update_state(np.zeros(4), np.zeros(4, "int32"))
