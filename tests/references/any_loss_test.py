import numpy as np

from tests.references import any_loss as reference


def test_hard_counts_and_metrics_by_hand():
    y = [1, 0, 1, 1, 0]
    p = [1.0, 0.0, 1.0, 0.0, 1.0]  # TP=2, FN=1, FP=1, TN=1
    tn, fn, fp, tp = reference.np_soft_confusion_matrix(y, p)
    np.testing.assert_allclose([tn, fn, fp, tp], [1, 1, 1, 2], atol=1e-12)
    np.testing.assert_allclose(reference.np_metric("f_beta", 1, 1, 1, 2),
                               4 / 6)
    np.testing.assert_allclose(
        reference.np_metric("balanced_accuracy", 1, 1, 1, 2), (2 / 3 + 0.5) / 2)
    np.testing.assert_allclose(reference.np_metric("accuracy", 1, 1, 1, 2),
                               3 / 5)


def test_probability_one_half_splits_evenly():
    counts = reference.np_soft_confusion_matrix([1], [0.5])
    np.testing.assert_allclose(counts, [0, 0.5, 0, 0.5])


def test_absent_class_metrics_by_hand():
    # No positive label: TN=3, FP=1, so TNR = 3/4 is the only recall.
    np.testing.assert_allclose(
        reference.np_metric("balanced_accuracy", 3, 0, 1, 0), 0.75)
    np.testing.assert_allclose(
        reference.np_metric("geometric_mean", 3, 0, 1, 0), 0.75)
    np.testing.assert_allclose(
        reference.np_metric("geometric_mean", 1, 1, 1, 2),
        np.sqrt(2 / 3 * 1 / 2))
