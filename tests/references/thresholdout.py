"""NumPy reference of Thresholdout (Dwork et al., Science 2015; arXiv
1506.02629), from the paper's pseudo-code; no keras here.

The Laplace draws come from one `numpy.random.Generator` in the order the
algorithm makes them: the first threshold noise, then per query the
comparison noise and, on an overflow, the answer noise and the fresh
threshold noise.
"""

import numpy as np


def np_thresholdout(pairs, budget, threshold=0.04, noise_scale=0.01,
                    seed=0):
    """The answers to `pairs` of (training, holdout) estimates, with `None`
    for every query after the budget is spent (the paper's bottom), and
    the remaining budget."""
    rng = np.random.default_rng(seed)
    noisy_threshold = threshold + rng.laplace(scale=2 * noise_scale)
    answers = []
    for training, holdout in pairs:
        if budget < 1:
            answers.append(None)
            continue
        eta = rng.laplace(scale=4 * noise_scale)
        if abs(holdout - training) > noisy_threshold + eta:
            xi = rng.laplace(scale=noise_scale)
            gamma = rng.laplace(scale=2 * noise_scale)
            budget -= 1
            noisy_threshold = threshold + gamma
            answers.append(holdout + xi)
        else:
            answers.append(training)
    return answers, budget
