import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import attention as reference


def paired_layers(qk_norm, query, value, num_heads=2, key_dim=4):
    ours = kerastricks.layers.QKNormMultiHeadAttention(
        num_heads=num_heads, key_dim=key_dim, qk_norm=qk_norm)
    plain = keras.layers.MultiHeadAttention(num_heads=num_heads,
                                            key_dim=key_dim)
    ours(query, value)
    plain(query, value)
    return ours, plain


class QKNormMultiHeadAttentionTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.QKNormMultiHeadAttention
        with self.assertRaisesRegex(ValueError, "num_heads=0"):
            layer_cls(num_heads=0, key_dim=4)
        with self.assertRaisesRegex(ValueError, "dropout=1.0"):
            layer_cls(num_heads=2, key_dim=4, dropout=1.0)
        with self.assertRaisesRegex(ValueError, "qk_norm_epsilon=0"):
            layer_cls(num_heads=2, key_dim=4, qk_norm_epsilon=0)
        with self.assertRaisesRegex(ValueError, "rank 3"):
            x = np.ones((2, 8), "float32")
            layer_cls(num_heads=2, key_dim=4)(x, x)

    def test_config(self):
        self.run_serialization_test(
            kerastricks.layers.QKNormMultiHeadAttention(
                num_heads=3, key_dim=5, value_dim=6, dropout=0.1,
                use_bias=False, output_shape=7, qk_norm=False,
                qk_norm_epsilon=1e-5, seed=3)
        )

    def test_basics(self):
        x = np.random.default_rng(0).normal(size=(2, 3, 8)).astype("float32")
        inputs = keras.Input((3, 8))
        layer = kerastricks.layers.QKNormMultiHeadAttention(num_heads=2,
                                                            key_dim=4)
        model = keras.Model(inputs, layer(inputs, inputs,
                                          use_causal_mask=True))
        self.assertLen(layer.trainable_weights, 12)  # 8 projection + 4 norm
        self.run_fit_test(model, x, np.zeros((2, 3, 8)), "mse")

        def build():
            inputs = keras.Input((3, 8))
            attention = kerastricks.layers.QKNormMultiHeadAttention(
                num_heads=2, key_dim=4)
            return keras.Model(inputs, attention(inputs, inputs))

        mixed, _ = self.run_mixed_precision_test(build, x,
                                                 np.zeros((2, 3, 8)), "mse")
        self.assertEqual(mixed.layers[-1].compute_dtype, "bfloat16")
        self.run_saving_test(build(), x)

    def test_correctness_against_reference(self):
        # With the norm off, identical to keras.layers.MultiHeadAttention.
        rng = np.random.default_rng(1)
        query = rng.normal(size=(2, 3, 8)).astype("float32")
        value = rng.normal(size=(2, 5, 6)).astype("float32")
        ours, plain = paired_layers(False, query, value)
        plain.set_weights(ours.get_weights())
        mask = rng.uniform(size=(2, 3, 5)) > 0.3
        out, scores = ours(query, value, attention_mask=mask,
                           return_attention_scores=True)
        expected, expected_scores = plain(query, value, attention_mask=mask,
                                          return_attention_scores=True)
        self.assertAllClose(out, expected, atol=1e-5, rtol=1e-5)
        self.assertAllClose(scores, expected_scores, atol=1e-6, rtol=1e-5)
        ours, plain = paired_layers(False, query, query)
        plain.set_weights(ours.get_weights())
        self.assertAllClose(ours(query, query, use_causal_mask=True),
                            plain(query, query, use_causal_mask=True),
                            atol=1e-5, rtol=1e-5)

    def test_qk_norm_matches_reference(self):
        # The qk_norm=True path against the NumPy transcription of the
        # papers' equations, with the layer's own weights (random norm
        # gains and offsets, so they matter), a padding mask and the
        # causal mask.
        rng = np.random.default_rng(3)
        query = rng.normal(size=(2, 4, 8)).astype("float32")
        value = rng.normal(size=(2, 5, 6)).astype("float32")
        key = rng.normal(size=(2, 5, 7)).astype("float32")
        mask = rng.uniform(size=(2, 4, 5)) > 0.3
        layer = kerastricks.layers.QKNormMultiHeadAttention(
            num_heads=2, key_dim=3, value_dim=4, output_shape=5)
        layer(query, value, key)
        for norm in (layer.query_norm, layer.key_norm):
            for weight in norm.weights:
                weight.assign(rng.normal(size=weight.shape).astype(
                    "float32"))
        weights = {}
        for name, dense in (("query", layer.query_dense),
                            ("key", layer.key_dense),
                            ("value", layer.value_dense),
                            ("output", layer.output_dense)):
            weights[f"{name}_kernel"] = keras.ops.convert_to_numpy(
                dense.kernel)
            weights[f"{name}_bias"] = keras.ops.convert_to_numpy(dense.bias)
        for name, norm in (("query", layer.query_norm),
                           ("key", layer.key_norm)):
            weights[f"{name}_gamma"] = keras.ops.convert_to_numpy(
                norm.gamma)
            weights[f"{name}_beta"] = keras.ops.convert_to_numpy(norm.beta)
        for causal in (False, True):
            output, scores = layer(query, value, key, attention_mask=mask,
                                   use_causal_mask=causal,
                                   return_attention_scores=True)
            expected, expected_scores = reference.np_qk_norm_attention(
                query, value, key, weights, epsilon=layer.qk_norm_epsilon,
                attention_mask=mask, use_causal_mask=causal)
            self.assertAllClose(scores, expected_scores, atol=1e-6,
                                rtol=1e-5)
            self.assertAllClose(output, expected, atol=1e-5, rtol=1e-5)

    def test_logits_stay_bounded_when_projections_grow(self):
        # Scaling W_q and W_k by 100 multiplies plain logits by 1e4; with
        # qk-layernorm they stay within sqrt(key_dim) * |gamma_q| * |gamma_k|.
        x = np.random.default_rng(2).normal(size=(2, 4, 8)).astype("float32")
        for qk_norm in (False, True):
            layer = kerastricks.layers.QKNormMultiHeadAttention(
                num_heads=2, key_dim=4, qk_norm=qk_norm)
            layer(x, x)
            before = np.abs(keras.ops.convert_to_numpy(
                layer.attention_logits(x, x))).max()
            for dense in (layer.query_dense, layer.key_dense):
                dense.kernel.assign(dense.kernel * 100.0)
            after = np.abs(keras.ops.convert_to_numpy(
                layer.attention_logits(x, x))).max()
            if qk_norm:
                self.assertLessEqual(after, np.sqrt(4) + 1e-3)
            else:
                self.assertGreater(after / before, 5e3)
