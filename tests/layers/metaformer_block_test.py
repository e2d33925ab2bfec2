import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import poolformer as reference


def _set_block_weights(block, state, prefix):
    """Copies the reference's block tensors (torch layout) into `block`."""
    block.norm_1.gamma.assign(state[f"{prefix}.norm1.weight"])
    block.norm_1.beta.assign(state[f"{prefix}.norm1.bias"])
    block.norm_2.gamma.assign(state[f"{prefix}.norm2.weight"])
    block.norm_2.beta.assign(state[f"{prefix}.norm2.bias"])
    block.layer_scale_1.assign(state[f"{prefix}.layer_scale1.scale"])
    block.layer_scale_2.assign(state[f"{prefix}.layer_scale2.scale"])
    for name, kernel, bias in (
            ("fc1", block.fc_1_kernel, block.fc_1_bias),
            ("fc2", block.fc_2_kernel, block.fc_2_bias)):
        kernel.assign(state[f"{prefix}.mlp.{name}.weight"][:, :, 0, 0].T)
        bias.assign(state[f"{prefix}.mlp.{name}.bias"])


class MetaFormerBlockTest(testing.TestCase):
    def test_invalid_args(self):
        block_cls = kerastricks.layers.MetaFormerBlock
        with self.assertRaisesRegex(TypeError, "token_mixer='pool'"):
            block_cls(token_mixer="pool")
        with self.assertRaisesRegex(ValueError, "mlp_ratio=0"):
            block_cls(mlp_ratio=0.0)
        with self.assertRaisesRegex(ValueError, "drop_path_rate=1.0"):
            block_cls(drop_path_rate=1.0)
        with self.assertRaisesRegex(ValueError,
                                    "layer_scale_init_value=-1"):
            block_cls(layer_scale_init_value=-1.0)
        with self.assertRaisesRegex(TypeError, "seed=1.5"):
            block_cls(seed=1.5)

    def test_config(self):
        block = kerastricks.layers.MetaFormerBlock(
            token_mixer=kerastricks.layers.PoolingTokenMixer(pool_size=5),
            mlp_ratio=2.0, layer_scale_init_value=None, drop_path_rate=0.1,
            epsilon=1e-6, seed=3)
        revived = self.run_serialization_test(block)
        self.assertEqual(revived.token_mixer.pool_size, 5)

    def test_correctness_against_reference(self):
        state = reference.np_poolformer_state((1,), (4,), 2, mlp_ratio=2,
                                              patch_embedding=(3, 1, 1))
        x = np.random.default_rng(0).normal(size=(2, 5, 4, 4))
        x = x.astype("float32")
        block = kerastricks.layers.MetaFormerBlock(mlp_ratio=2.0)
        block.build(x.shape)
        _set_block_weights(block, state, "stages.0.blocks.0")
        expected = reference.np_poolformer_block(
            np.transpose(x, (0, 3, 1, 2)).astype("float64"), state,
            "stages.0.blocks.0")
        self.assertAllClose(block(x, training=False),
                            np.transpose(expected, (0, 2, 3, 1)),
                            atol=1e-5, rtol=1e-5)

    def test_starts_near_identity_with_small_layer_scale(self):
        # LayerScale at 1e-5 keeps a fresh block within about 1e-5 of its
        # input, whatever the branches compute (the paper's reason for it).
        x = np.random.default_rng(1).normal(size=(2, 4, 4, 8))
        x = x.astype("float32")
        block = kerastricks.layers.MetaFormerBlock()
        out = keras.ops.convert_to_numpy(block(x))
        self.assertLess(np.abs(out - x).max(), 1e-3)
        self.assertGreater(np.abs(out - x).max(), 0.0)

    def test_any_token_mixer_and_tokens(self):
        # A depthwise convolution as the mixer, on (batch, tokens, dim).
        x = np.random.default_rng(2).normal(size=(2, 6, 4)).astype("float32")
        block = kerastricks.layers.MetaFormerBlock(
            token_mixer=keras.layers.DepthwiseConv1D(3, padding="same"),
            layer_scale_init_value=None)
        self.assertEqual(tuple(block(x).shape), (2, 6, 4))
        self.assertLen(block.trainable_weights, 10)  # 8 + 2 of the mixer

    def test_stochastic_depth_drops_whole_examples(self):
        # Each example keeps or drops each branch as a whole: in training
        # with rate 0.5 over many examples, the kept fraction is about 1/2
        # and a kept branch is scaled by 2.
        x = np.ones((400, 2, 2, 2), "float32")
        zero_mixer = keras.layers.Lambda(lambda t: t * 0.0 + 1.0)
        block = kerastricks.layers.MetaFormerBlock(
            token_mixer=zero_mixer, drop_path_rate=0.5,
            layer_scale_init_value=1.0, seed=0)
        block.build(x.shape)
        block.fc_2_kernel.assign(np.zeros((8, 2), "float32"))
        out = keras.ops.convert_to_numpy(block(x, training=True))
        # Mixer branch is 1 per position: dropped -> 1, kept -> 1 + 2.
        per_example = out.reshape(400, -1)
        self.assertTrue(np.all(np.isin(per_example, (1.0, 3.0))))
        self.assertTrue(np.all(per_example == per_example[:, :1]))
        kept = np.mean(per_example[:, 0] == 3.0)
        self.assertBetween(kept, 0.4, 0.6)
        inference = keras.ops.convert_to_numpy(block(x, training=False))
        self.assertAllClose(inference, np.full_like(x, 2.0))
