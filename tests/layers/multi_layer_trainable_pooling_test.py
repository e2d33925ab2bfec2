import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import sets as reference

_HEADS, _KEY_DIM = 2, 3


def _built(layers=5, dim=4, seed=0, num_latents=3):
    layer = kerastricks.layers.MultiLayerTrainablePooling(
        num_latents=num_latents, num_heads=_HEADS, key_dim=_KEY_DIM,
        feedforward_multiplier=2)
    layer.build((None, layers, dim))
    rng = np.random.default_rng(seed)
    for variable in layer.weights:
        variable.assign(rng.normal(scale=0.7, size=variable.shape).astype(
            "float32"))
    return layer


def _reference_weights(layer):
    def value(variable):
        return keras.ops.convert_to_numpy(variable)

    weights = {name: tuple(value(v) for v in pair)
               for name, pair in layer.norms.items()}
    weights.update({
        "layer_embedding": value(layer.layer_embedding),
        "latents": value(layer.latents),
        "query": value(layer.query_kernel), "key": value(layer.key_kernel),
        "value": value(layer.value_kernel),
        "output": value(layer.output_kernel),
        "feedforward_in": (value(layer.feedforward_in_kernel),
                           value(layer.feedforward_in_bias)),
        "feedforward_out": (value(layer.feedforward_out_kernel),
                            value(layer.feedforward_out_bias)),
    })
    return weights


class MultiLayerTrainablePoolingTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.MultiLayerTrainablePooling
        with self.assertRaisesRegex(ValueError, "num_latents=0"):
            layer_cls(num_latents=0)
        with self.assertRaisesRegex(TypeError, "key_dim=2.5"):
            layer_cls(key_dim=2.5)
        with self.assertRaisesRegex(TypeError, "normalize=1"):
            layer_cls(normalize=1)
        with self.assertRaisesRegex(ValueError, "rank 3"):
            layer_cls(num_latents=2, num_heads=1, key_dim=2)(
                np.ones((2, 4), "float32"))

    def test_config(self):
        revived = self.run_serialization_test(
            kerastricks.layers.MultiLayerTrainablePooling(
                num_latents=3, num_heads=2, key_dim=5,
                feedforward_multiplier=1, normalize=False, epsilon=1e-6))
        self.assertEqual(revived.key_dim, 5)
        self.assertFalse(revived.normalize)

    def test_correctness_against_reference(self):
        states = np.random.default_rng(1).normal(size=(2, 5, 4)).astype(
            "float32")
        layer = _built()
        expected = reference.np_multi_layer_trainable_pooling(
            states, _reference_weights(layer), _HEADS, _KEY_DIM)
        self.assertAllClose(layer(states), expected, atol=1e-5, rtol=1e-5)
        self.assertAllClose(np.linalg.norm(expected, axis=-1), np.ones(2))

    def test_one_layer_makes_the_attention_trivial(self):
        # Over a single layer state every latent's attention weight is 1:
        # the query and key projections cannot change the embedding.
        states = np.random.default_rng(2).normal(size=(2, 1, 4)).astype(
            "float32")
        layer = _built(layers=1)
        before = keras.ops.convert_to_numpy(layer(states))
        rng = np.random.default_rng(3)
        for kernel in (layer.query_kernel, layer.key_kernel):
            kernel.assign(rng.normal(size=kernel.shape).astype("float32"))
        self.assertAllClose(layer(states), before, atol=1e-6, rtol=1e-5)

    def test_layer_embedding_identifies_the_layers(self):
        # Without layer embeddings the block is a set function of the
        # layers' states; the learned embeddings make their order count.
        states = np.random.default_rng(4).normal(size=(2, 5, 4)).astype(
            "float32")
        order = np.array([3, 0, 4, 1, 2])
        layer = _built()
        self.assertFalse(np.allclose(
            keras.ops.convert_to_numpy(layer(states[:, order])),
            keras.ops.convert_to_numpy(layer(states)), atol=1e-3))
        layer.layer_embedding.assign(np.zeros((5, 4), "float32"))
        self.assertAllClose(layer(states[:, order]), layer(states),
                            atol=1e-6, rtol=1e-5)
