import keras
import numpy as np

from kerastricks import testing
from kerastricks.layers import MuMultiHeadAttention
from tests.references import mup as reference


def _weights(layer):
    return [keras.ops.convert_to_numpy(w) for w in layer.weights]


class MuMultiHeadAttentionTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "base_key_dim"):
            MuMultiHeadAttention(2, 4, base_key_dim=0)

    def test_config(self):
        self.run_serialization_test(
            MuMultiHeadAttention(2, 8, base_key_dim=2, use_bias=False))

    def test_equals_keras_attention_at_the_base_width(self):
        x = np.random.default_rng(0).normal(size=(2, 3, 8)).astype(
            "float32")
        ours = MuMultiHeadAttention(2, 4, base_key_dim=4)
        keras_layer = keras.layers.MultiHeadAttention(2, 4)
        ours(x, x)
        keras_layer(x, x)
        keras_layer.set_weights(ours.get_weights())
        self.assertAllClose(ours(x, x), keras_layer(x, x), atol=1e-5)

    def test_correctness_against_reference(self):
        # One head without biases: softmax(sqrt(base) / d * q k^T) v W_o.
        rng = np.random.default_rng(1)
        x = rng.normal(size=(1, 4, 6)).astype("float32")
        layer = MuMultiHeadAttention(1, 16, base_key_dim=4, use_bias=False)
        layer(x, x)
        w_q, w_k, w_v, w_o = _weights(layer)
        q = x[0] @ w_q[:, 0]
        k = x[0] @ w_k[:, 0]
        v = x[0] @ w_v[:, 0]
        expected = reference.attention(q, k, v, 2.0 / 16) @ w_o[0]
        self.assertAllClose(layer(x, x)[0], expected, atol=1e-5)
