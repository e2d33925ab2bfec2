import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import sparse_moe as reference


def _weights(layer):
    names = ("hidden_kernel", "hidden_bias", "output_kernel", "output_bias")
    return [keras.ops.convert_to_numpy(getattr(layer, name)).astype("float64")
            for name in names]


def _router_logits(layer, x):
    kernel = keras.ops.convert_to_numpy(layer.router_kernel)
    return x.astype("float64") @ kernel.astype("float64")


def _built(x, seed=0, **kwargs):
    """A layer on `x` with random biases (zeros would hide their use) and a
    router sharp enough that the top-k choices are clear."""
    layer = kerastricks.layers.SparseMoE(**kwargs)
    layer.build(x.shape)
    rng = np.random.default_rng(seed)
    for weight in (layer.hidden_bias, layer.output_bias):
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    layer.router_kernel.assign(
        rng.normal(size=layer.router_kernel.shape).astype("float32"))
    return layer


class SparseMoETest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.SparseMoE
        with self.assertRaisesRegex(ValueError, "num_experts=0"):
            layer_cls(num_experts=0, expert_units=4)
        with self.assertRaisesRegex(TypeError, "expert_units=2.5"):
            layer_cls(num_experts=2, expert_units=2.5)
        with self.assertRaisesRegex(ValueError, r"at most `num_experts` "
                                    r"\(2\). Received: top_k=3"):
            layer_cls(num_experts=2, expert_units=4, top_k=3)
        with self.assertRaisesRegex(ValueError, "capacity_factor=0"):
            layer_cls(num_experts=2, expert_units=4, capacity_factor=0.0)
        with self.assertRaisesRegex(ValueError,
                                    "load_balance_coefficient=-1"):
            layer_cls(num_experts=2, expert_units=4,
                      load_balance_coefficient=-1.0)
        with self.assertRaisesRegex(TypeError, "noisy_gating=1"):
            layer_cls(num_experts=2, expert_units=4, noisy_gating=1)

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.SparseMoE(
            num_experts=3, expert_units=5, top_k=1, capacity_factor=2.0,
            load_balance_coefficient=0.1, noisy_gating=True, output_units=7,
            activation="gelu", kernel_initializer="he_normal", seed=3))

    def test_basics_on_vectors(self):
        self.run_layer_test(
            kerastricks.layers.SparseMoE,
            {"num_experts": 3, "expert_units": 4, "output_units": 2},
            np.random.default_rng(0).normal(size=(4, 5)).astype("float32"),
            expected_output_shape=(4, 2),
            expected_num_trainable_weights=5,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=0,
            run_mixed_precision_check=False,   # the contract row runs it
            run_saving_check=False,
        )

    def test_correctness_against_reference_with_dropped_tokens(self):
        # 6 tokens, 4 experts, k = 2, factor 1.0: 3 slots per expert and
        # group, and the sharp random router overfills some experts.
        x = np.random.default_rng(1).normal(size=(3, 6, 5)).astype("float32")
        layer = _built(x, num_experts=4, expert_units=3, top_k=2,
                       capacity_factor=1.0, load_balance_coefficient=0.5)
        logits = _router_logits(layer, x)
        expected, aux, kept = reference.np_sparse_moe(
            x, logits, *_weights(layer), top_k=2, capacity_factor=1.0)
        self.assertFalse(kept.all())  # some choices were dropped ...
        self.assertTrue(kept[..., 0].any())
        self.assertAllClose(layer(x), expected, atol=1e-5, rtol=1e-5)
        self.assertLen(layer.losses, 1)
        self.assertAllClose(layer.losses[0], 0.5 * aux, atol=1e-6,
                            rtol=1e-6)
        # ... and the functional core gives the same.
        outputs, aux_loss = kerastricks.ops.sparse_moe(
            x, logits.astype("float32"), *(layer.weights[1:]), top_k=2,
            capacity_factor=1.0)
        self.assertAllClose(outputs, expected, atol=1e-5, rtol=1e-5)
        self.assertAllClose(aux_loss, aux, atol=1e-6, rtol=1e-6)

    def test_token_dropped_by_every_expert_outputs_zeros(self):
        # Capacity 1 per expert: with k = 1 and 4 tokens on 2 experts, at
        # least two tokens find their expert full and pass as zeros.
        x = np.random.default_rng(2).normal(size=(1, 4, 3)).astype("float32")
        layer = _built(x, seed=2, num_experts=2, expert_units=4, top_k=1,
                       capacity_factor=0.5)
        _, _, kept = reference.np_sparse_moe(
            x, _router_logits(layer, x), *_weights(layer), top_k=1,
            capacity_factor=0.5)
        outputs = keras.ops.convert_to_numpy(layer(x))
        self.assertEqual(int((~kept[0, :, 0]).sum()), 2)
        self.assertAllClose(outputs[0, ~kept[0, :, 0]], np.zeros((2, 3)))
        self.assertTrue(np.all(outputs[0, kept[0, :, 0]] != 0.0))

    def test_k_equal_to_num_experts_is_the_dense_softmax_mixture(self):
        x = np.random.default_rng(3).normal(size=(2, 5, 4)).astype("float32")
        layer = _built(x, seed=3, num_experts=3, expert_units=6, top_k=3,
                       capacity_factor=1.0)
        dense = reference.np_dense_mixture(x, _router_logits(layer, x),
                                           *_weights(layer))
        self.assertAllClose(layer(x), dense, atol=1e-5, rtol=1e-5)

    def test_vectors_are_one_token_each_and_never_dropped(self):
        x = np.random.default_rng(4).normal(size=(6, 4)).astype("float32")
        layer = _built(x, seed=4, num_experts=4, expert_units=3, top_k=1,
                       capacity_factor=0.1)
        expected, aux, kept = reference.np_sparse_moe(
            x[:, None], _router_logits(layer, x)[:, None], *_weights(layer),
            top_k=1, capacity_factor=0.1)
        self.assertTrue(kept.all())
        self.assertAllClose(layer(x), expected[:, 0], atol=1e-5, rtol=1e-5)
        self.assertAllClose(layer.losses[0], 1e-2 * aux, atol=1e-7,
                            rtol=1e-6)

    def test_load_balancing_loss_is_one_when_uniform(self):
        # Switch eq. 4: 1 for a uniform router (f_i = P_i = 1/N), N when
        # every token goes to one expert with probability 1.
        uniform = kerastricks.ops.load_balancing_loss(
            np.full((8, 4), 0.25, "float32"), (np.arange(8) % 4)[:, None], 4)
        self.assertAllClose(uniform, 1.0)
        concentrated = kerastricks.ops.load_balancing_loss(
            np.eye(4, dtype="float32")[[0] * 8], np.zeros((8, 1), "int32"), 4)
        self.assertAllClose(concentrated, 4.0)

    def test_noisy_gating_only_in_training_and_seeded(self):
        x = np.random.default_rng(5).normal(size=(2, 6, 4)).astype("float32")
        layer = kerastricks.layers.SparseMoE(
            num_experts=4, expert_units=3, top_k=1, noisy_gating=True,
            seed=7)
        inference = keras.ops.convert_to_numpy(layer(x))
        logits = _router_logits(layer, x)
        expected, _, _ = reference.np_sparse_moe(
            x, logits, *_weights(layer), top_k=1, capacity_factor=1.25)
        self.assertAllClose(inference, expected, atol=1e-5, rtol=1e-5)
        noisy = keras.ops.convert_to_numpy(layer(x, training=True))
        self.assertFalse(np.allclose(noisy, inference))

    def test_router_learns_from_the_gates_and_the_auxiliary_loss(self):
        x = np.random.default_rng(6).normal(size=(4, 6, 4)).astype("float32")
        updates = []
        for coefficient in (0.0, 1.0):
            keras.utils.set_random_seed(0)  # the same initial weights
            inputs = keras.Input((6, 4))
            layer = kerastricks.layers.SparseMoE(
                num_experts=3, expert_units=4, top_k=2,
                load_balance_coefficient=coefficient, seed=0)
            model = keras.Model(inputs, layer(inputs))
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
            before = keras.ops.convert_to_numpy(layer.router_kernel)
            model.train_on_batch(x, np.zeros_like(x))
            updates.append(
                keras.ops.convert_to_numpy(layer.router_kernel) - before)
        # The gates alone move every router weight; the auxiliary loss
        # moves them further.
        self.assertTrue(np.all(np.abs(updates[0]) > 0))
        self.assertFalse(np.allclose(updates[0], updates[1], atol=1e-6))
