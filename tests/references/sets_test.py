import numpy as np

from tests.references import sets as reference


def test_attentional_set_pooling_by_hand():
    # W = 0: equal weights, the mean; W = [[log 3]] on x = [0, 1]: scores
    # 0 and log 3, weights 1/4 and 3/4, y = 3/4.
    x = np.array([[[0.0], [1.0]]])
    np.testing.assert_allclose(
        reference.np_attentional_set_pooling(x, np.zeros((1, 1))), [[0.5]])
    np.testing.assert_allclose(
        reference.np_attentional_set_pooling(x, np.array([[np.log(3.0)]])),
        [[0.75]])
    # Masking the second element leaves the first.
    np.testing.assert_allclose(reference.np_attentional_set_pooling(
        x, np.ones((1, 1)), mask=np.array([[True, False]])), [[0.0]])


def test_multi_layer_pooling_with_zero_attention_projections():
    # With zero query, key, value, output and feed-forward weights, every
    # latent stays itself: the result is the normalized mean latent.
    rng = np.random.default_rng(0)
    dim, latents = 4, rng.normal(size=(3, 4))
    ones, zeros = np.ones(dim), np.zeros(dim)
    weights = {
        "layer_embedding": rng.normal(size=(2, dim)), "latents": latents,
        "hidden_norm": (ones, zeros), "latent_norm": (ones, zeros),
        "feedforward_norm": (ones, zeros),
        "query": np.zeros((dim, 2)), "key": np.zeros((dim, 2)),
        "value": np.zeros((dim, 2)), "output": np.zeros((2, dim)),
        "feedforward_in": (np.zeros((dim, 8)), np.zeros(8)),
        "feedforward_out": (np.zeros((4, dim)), np.zeros(dim)),
    }
    pooled = reference.np_multi_layer_trainable_pooling(
        rng.normal(size=(1, 2, dim)), weights, num_heads=1, key_dim=2)
    mean = latents.mean(axis=0)
    np.testing.assert_allclose(pooled[0], mean / np.linalg.norm(mean))
