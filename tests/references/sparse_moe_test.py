"""The mixture-of-experts reference against numbers worked by hand."""

import math

import numpy as np

from tests.references import sparse_moe as reference

# Two one-unit experts, y = 2 relu(x) and y = 3 relu(x); every token
# prefers expert 0 by one logit.
_WEIGHTS = (np.ones((2, 1, 1)), np.zeros((2, 1)),
            np.array([[[2.0]], [[3.0]]]), np.zeros((2, 1)))
_X = np.array([[[1.0], [2.0], [3.0]]])
_LOGITS = np.tile([1.0, 0.0], (1, 3, 1))
_P0 = math.e / (math.e + 1.0)


def test_top_1_drops_the_tokens_past_capacity():
    # capacity ceil(1.0 * 3 * 1 / 2) = 2: the third token finds expert 0
    # full and outputs zero.
    outputs, aux, kept = reference.np_sparse_moe(
        _X, _LOGITS, *_WEIGHTS, top_k=1, capacity_factor=1.0)
    np.testing.assert_allclose(outputs[0, :, 0], [2.0, 4.0, 0.0])
    np.testing.assert_array_equal(kept[0, :, 0], [True, True, False])
    # f = (1, 0), P = (e / (e + 1), 1 / (e + 1)): 2 * (1 * P_0).
    np.testing.assert_allclose(aux, 2.0 * _P0)


def test_top_2_with_room_mixes_both_experts():
    outputs, aux, kept = reference.np_sparse_moe(
        _X, _LOGITS, *_WEIGHTS, top_k=2, capacity_factor=1.0)
    assert kept.all()
    np.testing.assert_allclose(outputs[0, :, 0],
                               _X[0, :, 0] * (2 * _P0 + 3 * (1 - _P0)))
    # f = (1/2, 1/2): 2 * (P_0 + P_1) / 2 = 1.
    np.testing.assert_allclose(aux, 1.0)
    np.testing.assert_allclose(
        reference.np_dense_mixture(_X, _LOGITS, *_WEIGHTS), outputs)


def test_second_choices_wait_for_every_first_choice():
    # Capacity ceil(0.5 * 3 * 2 / 2) = 2. Tokens 0 and 1 prefer expert 0,
    # token 2 prefers expert 1: expert 0 takes the first choices of tokens
    # 0 and 1, expert 1 the first choice of token 2 and then the second
    # choice of token 0; token 1's second choice finds expert 1 full.
    logits = np.array([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])
    _, _, kept = reference.np_sparse_moe(_X, logits, *_WEIGHTS, top_k=2,
                                         capacity_factor=0.5)
    np.testing.assert_array_equal(kept[0], [[True, True], [True, False],
                                            [True, False]])
