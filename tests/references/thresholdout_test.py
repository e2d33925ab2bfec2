import numpy as np

from tests.references import thresholdout as reference


def test_zero_noise_by_hand():
    # With a vanishing noise scale the answers are deterministic: the
    # training estimate within T, else the holdout estimate (spending B).
    answers, left = reference.np_thresholdout(
        [(0.5, 0.52), (0.5, 0.7), (0.1, 0.0), (0.3, 0.9)], budget=2,
        threshold=0.05, noise_scale=1e-12)
    np.testing.assert_allclose(answers[:3], [0.5, 0.7, 0.0], atol=1e-9)
    assert answers[3] is None
    assert left == 0


def test_first_draw_sets_the_threshold():
    # One query at a gap between T - |noise| and T + |noise|: the outcome
    # follows the sign of the first two draws as the pseudo-code orders
    # them (threshold noise first, then the comparison noise).
    rng = np.random.default_rng(0)
    gamma, eta = rng.laplace(scale=0.2), rng.laplace(scale=0.4)
    gap = 0.5 + gamma + eta
    answers, left = reference.np_thresholdout(
        [(0.0, gap - 1e-6)], budget=1, threshold=0.5, noise_scale=0.1,
        seed=0)
    assert answers == [0.0] and left == 1
    answers, left = reference.np_thresholdout(
        [(0.0, gap + 1e-6)], budget=1, threshold=0.5, noise_scale=0.1,
        seed=0)
    assert answers != [0.0] and left == 0
