import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import parallel_shallow as reference


def _branch_weights(rng, branches, channels, scale=1.0):
    kernels = [scale * rng.normal(size=(3, 3, channels, channels)) / 6.0
               for _ in range(branches)]
    biases = [scale * rng.normal(size=(channels,)) for _ in range(branches)]
    return kernels, biases


def _block(x, kernels, biases):
    block = kerastricks.layers.ParallelShallowBlock(
        num_branches=len(kernels), activation="tanh")
    block.build(x.shape)
    block.kernel.assign(np.concatenate(kernels, axis=-1).astype("float32"))
    block.bias.assign(np.concatenate(biases).astype("float32"))
    return block


class ParallelShallowBlockTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.ParallelShallowBlock
        with self.assertRaisesRegex(ValueError, "num_branches=0"):
            layer_cls(num_branches=0)
        with self.assertRaisesRegex(TypeError, "num_branches=2.5"):
            layer_cls(num_branches=2.5)
        with self.assertRaisesRegex(ValueError, "kernel_size=-1"):
            layer_cls(num_branches=2, kernel_size=-1)

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.ParallelShallowBlock(
            num_branches=3, kernel_size=5, activation="tanh",
            kernel_initializer="he_normal"))

    def test_parameters_equal_the_residual_stack_it_replaces(self):
        for branches, channels, kernel_size in ((1, 3, 3), (4, 5, 3),
                                                (3, 2, 5)):
            inputs = keras.Input((6, 6, channels))
            x = inputs
            for _ in range(branches):
                conv = keras.layers.Conv2D(channels, kernel_size,
                                           padding="same", activation="relu")
                x = keras.layers.Add()([x, conv(x)])
            stack = keras.Model(inputs, x)
            block = kerastricks.layers.ParallelShallowBlock(
                branches, kernel_size=kernel_size)
            block.build((None, 6, 6, channels))
            self.assertEqual(block.count_params(), stack.count_params())

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(2, 5, 4, 3)).astype("float32")
        kernels, biases = _branch_weights(rng, 3, 3)
        block = _block(x, kernels, biases)
        expected = reference.np_parallel_shallow(x, kernels, biases)
        self.assertAllClose(block(x), expected, atol=1e-5, rtol=1e-5)
        self.assertAllClose(
            kerastricks.ops.parallel_shallow_block(
                x, block.kernel, block.bias, 3, keras.ops.tanh),
            expected, atol=1e-5, rtol=1e-5)

    def test_first_order_truncation_of_the_residual_stack(self):
        # The paper's expansion: stack - parallel holds only products of
        # two or more branches, so it shrinks with the square of the branch
        # scale while each branch shrinks linearly (NumPy, float64).
        rng = np.random.default_rng(1)
        x = rng.normal(size=(1, 5, 5, 2))
        kernels, biases = _branch_weights(rng, 3, 2)
        gaps = []
        for scale in (1e-2, 1e-3):
            scaled_kernels = [scale * k for k in kernels]
            scaled_biases = [scale * b for b in biases]
            stack = reference.np_residual_stack(x, scaled_kernels,
                                                scaled_biases)
            parallel = reference.np_parallel_shallow(x, scaled_kernels,
                                                     scaled_biases)
            gaps.append(np.abs(stack - parallel).max())
        self.assertGreater(gaps[0] / gaps[1], 50.0)
        self.assertLess(gaps[0] / gaps[1], 200.0)

    def test_branches_start_from_different_kernels(self):
        # Keras initializers seeded with an int, or unseeded, return the
        # same values on every call; identical branches would get identical
        # gradients and stay one branch repeated.
        for initializer in ("glorot_uniform",
                            keras.initializers.HeNormal(seed=3)):
            block = kerastricks.layers.ParallelShallowBlock(
                num_branches=3, kernel_initializer=initializer)
            block.build((None, 6, 6, 2))
            kernel = keras.ops.convert_to_numpy(block.kernel)
            branches = [kernel[..., 2 * k:2 * (k + 1)] for k in range(3)]
            for first in range(3):
                for second in range(first + 1, 3):
                    self.assertFalse(np.allclose(branches[first],
                                                 branches[second]))

    def test_seeded_initializer_is_reproducible_at_branch_scale(self):
        def kernel():
            block = kerastricks.layers.ParallelShallowBlock(
                num_branches=4, kernel_initializer=(
                    keras.initializers.GlorotUniform(seed=7)))
            block.build((None, 6, 6, 8))
            return keras.ops.convert_to_numpy(block.kernel)

        first = kernel()
        self.assertAllClose(first, kernel())
        # Each branch is a Conv2D(8, 3) kernel: Glorot's limit uses that
        # branch's fans, 3 * 3 * 8 in and out.
        limit = np.sqrt(6.0 / (2 * 3 * 3 * 8))
        self.assertLessEqual(np.max(np.abs(first)), limit)
        self.assertGreater(np.max(np.abs(first)), 0.9 * limit)
