import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import poolformer as reference

# Four stages, as the paper's models, at a size the CPU tests afford.
DEPTHS, DIMS = (1, 1, 2, 1), (4, 8, 8, 8)


def _tiny(**kwargs):
    return kerastricks.models.PoolFormer(
        num_classes=3, input_shape=(32, 32, 3), depths=DEPTHS,
        embed_dims=DIMS, **kwargs)


def _parameters(depths, dims, ratio=4, num_classes=1000):
    """The parameter count from the paper's structure, by hand."""
    count = 3 * 7 * 7 * dims[0] + dims[0]
    for stage, (depth, dim) in enumerate(zip(depths, dims)):
        if stage > 0:
            count += 3 * 3 * dims[stage - 1] * dim + dim
        hidden = ratio * dim
        # two norms (2 dim each), two LayerScales, fc1, fc2
        count += depth * (4 * dim + 2 * dim + 2 * dim * hidden + hidden
                          + dim)
    return count + 2 * dims[-1] + dims[-1] * num_classes + num_classes


class PoolFormerTest(testing.TestCase):
    def test_invalid_args(self):
        build = kerastricks.models.PoolFormer
        with self.assertRaisesRegex(ValueError, "variant='S13'"):
            build("S13")
        with self.assertRaisesRegex(ValueError, r"embed_dims=\(4, 8\)"):
            build(depths=(1, 1, 1), embed_dims=(4, 8))
        with self.assertRaisesRegex(ValueError, r"patch_embedding=\(7, 0"):
            build(patch_embedding=(7, 0, 2))
        with self.assertRaisesRegex(ValueError, "final_norm='layer'"):
            build(final_norm="layer")
        with self.assertRaisesRegex(ValueError, "pool_size=4"):
            build(pool_size=4)
        with self.assertRaisesRegex(ValueError, r"input_shape=\(32, 32\)"):
            build(input_shape=(32, 32))

    def test_paper_parameter_counts(self):
        # The paper's table gives S12 11.9M, S24 21.4M, S36 30.9M, M36
        # 56.2M and M48 73.5M parameters; the structure counted by hand
        # (built here at the tiny size only: S12 takes seconds to build).
        self.assertEqual(_parameters((2, 2, 6, 2), (64, 128, 320, 512)),
                         11_915_176)
        self.assertEqual(_parameters((8, 8, 24, 8), (96, 192, 384, 768)),
                         73_473_448)
        self.assertEqual(_tiny().count_params(),
                         _parameters(DEPTHS, DIMS, num_classes=3))

    def test_variants_and_shapes(self):
        model = _tiny()
        self.assertEqual(tuple(model.output_shape), (None, 3))
        # 32 -> stem /4 -> 8 -> 4 -> 2 -> 1 (paper's strides)
        features = _tiny(include_top=False)
        self.assertEqual(tuple(features.output_shape), (None, 1, 1, 8))
        block = model.get_layer("stages_2_blocks_1")
        self.assertEqual(block.layer_scale_init_value, 1e-5)
        deep = kerastricks.models.PoolFormer(
            "M36", num_classes=3, input_shape=(32, 32, 3), depths=DEPTHS,
            embed_dims=DIMS, drop_path_rate=0.3)
        last = deep.get_layer("stages_3_blocks_0")
        self.assertEqual(last.layer_scale_init_value, 1e-6)
        self.assertAllClose(last.drop_path_rate, 0.3)
        self.assertAllClose(deep.get_layer(
            "stages_1_blocks_0").drop_path_rate, 0.3 / 4)

    def test_correctness_against_reference(self):
        # The forward pass of the official equations (NumPy, NCHW, float64)
        # with the same weights, for both heads.
        state = reference.np_poolformer_state(DEPTHS, DIMS, 3)
        images = np.random.default_rng(0).normal(size=(2, 3, 32, 32))
        for final_norm in ("group", "pooled_layer"):
            model = _tiny(final_norm=final_norm)
            kerastricks.utils.load_timm_poolformer_weights(model, state)
            expected = reference.np_poolformer(images, state, DEPTHS,
                                               final_norm=final_norm)
            actual = model.predict(
                np.transpose(images, (0, 2, 3, 1)).astype("float32"),
                verbose=0)
            # float32 through 5 blocks and 5 convolutions against float64.
            self.assertAllClose(actual, expected, atol=1e-4, rtol=1e-4,
                                msg=final_norm)
