"""The layerwise references against values computed by hand."""

import numpy as np

from tests.references import layerwise


def test_nuclear_norm_of_diagonal_is_sum_of_absolute_entries():
    assert np.isclose(layerwise.nuclear_norm(np.diag([3.0, -4.0])), 7.0)


def test_multipliers_by_hand():
    # mean 2.5: the quiet layer keeps 1, the noisy one sqrt(2.5 / 4).
    np.testing.assert_allclose(
        layerwise.noise_adaptive_multipliers([1.0, 4.0], epsilon=0.0),
        [1.0, np.sqrt(2.5 / 4.0)])


def test_cosine_decay_with_warmup_by_hand():
    rates = [layerwise.cosine_decay_with_warmup(s, 2.0, 2, 4)
             for s in (0, 1, 2, 4, 6)]
    np.testing.assert_allclose(rates, [0.0, 1.0, 2.0, 1.0, 0.0], atol=1e-12)


def test_newton_schulz_orthogonalizes_approximately():
    x = np.diag([1.0, 0.5])
    singular_values = np.linalg.svd(layerwise.newton_schulz(x),
                                     compute_uv=False)
    # Muon's quintic maps singular values into roughly [0.7, 1.2].
    assert np.all((singular_values > 0.6) & (singular_values < 1.3))
