import numpy as np

from tests.references import training_instability as reference


def test_attention_logits_by_hand():
    # One head, d = 4: q = (1, 1, 1, 1), k = (2, 0, 0, 0): <q, k> / 2 = 1.
    x = np.ones((1, 1, 4))
    identity = np.eye(4)[:, None, :]
    key = np.array([[[2.0, 0.0, 0.0, 0.0]]])
    logits = reference.np_attention_logits(x, key, identity, identity)
    np.testing.assert_allclose(logits, [[[[1.0]]]])


def test_causal_max_ignores_the_future():
    logits = np.array([[[[1.0, 9.0], [-3.0, 2.0]]]])
    assert reference.np_max_abs_logit(logits, causal=True) == 3.0
    assert reference.np_max_abs_logit(logits) == 9.0


def test_log_z_by_hand():
    # log(e^0 + e^0) = log 2 and log(e^1) = 1 (one class).
    np.testing.assert_allclose(
        reference.np_mean_log_z(np.array([[0.0, 0.0]])), np.log(2.0))
    np.testing.assert_allclose(
        reference.np_mean_log_z(np.array([[1.0]])), 1.0)


def test_gradient_rms_by_hand():
    # x = 1, y = 0, W = 1, b = 0: r = 1, dW = db = 2, RMS = 2.
    rms = reference.np_linear_mse_gradient_rms(
        np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), np.zeros(1))
    np.testing.assert_allclose(rms, 2.0)
