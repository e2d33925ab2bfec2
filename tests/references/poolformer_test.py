"""Sanity checks of the NumPy PoolFormer against values by hand."""

import numpy as np

from tests.references import poolformer as reference


def test_pooling_mixer_by_hand():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    mixed = reference.np_pooling_mixer(x)
    # Corner (0, 0) averages 0, 1, 3, 4; the centre all nine values.
    assert np.isclose(mixed[0, 0, 0, 0], 2.0 - 0.0)
    assert np.isclose(mixed[0, 0, 1, 1], 4.0 - 4.0)
    assert np.isclose(mixed[0, 0, 0, 1], np.mean([0, 1, 2, 3, 4, 5]) - 1.0)


def test_conv_by_hand():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    weight = np.zeros((1, 1, 3, 3))
    weight[0, 0, 1, 1] = 2.0  # picks the centre: 2 * x at each output
    out = reference.np_conv2d(x, weight, np.array([1.0]), 2, 1)
    assert out.shape == (1, 1, 2, 2)
    np.testing.assert_allclose(out[0, 0], 2 * x[0, 0, ::2, ::2] + 1.0)


def test_group_norm_one_group_normalizes_each_example():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 4))
    out = reference.np_group_norm_1(x, np.ones(3), np.zeros(3))
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(1, 2, 3)), 1, rtol=1e-4)


def test_gelu_by_hand():
    np.testing.assert_allclose(reference.np_gelu(np.array([0.0, 1.0])),
                               [0.0, 0.8413447460685429])
