import numpy as np
from absl.testing import parameterized
from keras import ops

import kerastricks
from kerastricks import testing
from tests.references import random_subspace as reference


class FastWalshHadamardTransformTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "power of two.*size=6"):
            kerastricks.ops.fast_walsh_hadamard_transform(np.ones(6))
        with self.assertRaisesRegex(ValueError, "`axis`.*axis=2"):
            kerastricks.ops.fast_walsh_hadamard_transform(np.ones(4), axis=2)

    def test_hadamard_reference_matches_sylvester_rule(self):
        # H[i, j] = (-1) ** popcount(i & j), written independently.
        indices = np.arange(8)
        bits = np.vectorize(lambda n: bin(n).count("1"))(
            indices[:, None] & indices[None, :])
        self.assertAllEqual(reference.np_hadamard(8), (-1.0) ** bits)

    @parameterized.parameters((1, -1), (16, 0), (8, 1))
    def test_correctness_against_reference(self, length, axis):
        shape = [length] if axis == -1 else [3, 2]
        if axis != -1:
            shape.insert(axis, length)
        x = np.random.default_rng(0).normal(size=shape).astype("float32")
        actual = kerastricks.ops.fast_walsh_hadamard_transform(x, axis=axis)
        desired = np.moveaxis(
            np.tensordot(reference.np_hadamard(length),
                         np.moveaxis(x, axis, 0), axes=1), 0, axis)
        self.assertAllClose(actual, desired, atol=1e-5, rtol=1e-6)

    def test_normalized_transform_is_its_own_inverse(self):
        x = np.random.default_rng(1).normal(size=(2, 32)).astype("float32")
        once = kerastricks.ops.fast_walsh_hadamard_transform(
            x, normalize=True)
        twice = kerastricks.ops.fast_walsh_hadamard_transform(
            once, normalize=True)
        self.assertAllClose(twice, x, atol=1e-5, rtol=1e-5)
        self.assertAllClose(ops.sum(ops.square(once)), np.sum(x**2),
                            atol=1e-4, rtol=1e-6)


class RandomProjectionsTest(testing.TestCase):
    def _fastfood_arrays(self, length, seed=0):
        rng = np.random.default_rng(seed)
        return (rng.integers(0, 2, size=length) * 2.0 - 1.0,
                rng.permutation(length), rng.standard_normal(length))

    @parameterized.parameters((5, 13), (16, 16), (3, 9))
    def test_fastfood_matches_dense_matrix(self, dimension, output_dim):
        length = 1 << (output_dim - 1).bit_length()
        signs, permutation, gaussian = self._fastfood_arrays(length)
        theta = np.random.default_rng(2).normal(size=dimension)
        actual = kerastricks.ops.fastfood_projection(
            theta.astype("float32"), signs.astype("float32"), permutation,
            gaussian.astype("float32"), output_dim)
        matrix = reference.np_fastfood_matrix(
            signs, permutation, gaussian, output_dim, dimension)
        self.assertAllClose(actual, matrix @ theta, atol=1e-5, rtol=1e-5)

    def test_fastfood_columns_have_the_papers_normalisation(self):
        # D = L: every column of H G Π H B / (sqrt(L) ||G||) has unit
        # length exactly; D < L rescales by sqrt(L / D), so a truncated
        # column has unit squared length on average.
        signs, permutation, gaussian = self._fastfood_arrays(64)
        full = reference.np_fastfood_matrix(signs, permutation, gaussian,
                                            64, 64)
        self.assertAllClose(np.linalg.norm(full, axis=0), np.ones(64),
                            atol=1e-12, rtol=1e-12)
        identity = np.eye(64, dtype="float32")
        columns = np.stack([
            ops.convert_to_numpy(kerastricks.ops.fastfood_projection(
                identity[j], signs.astype("float32"), permutation,
                gaussian.astype("float32"), 64)) for j in range(0, 64, 9)],
            axis=1)
        self.assertAllClose(np.linalg.norm(columns, axis=0),
                            np.ones(columns.shape[1]), atol=1e-5, rtol=1e-5)
        truncated = reference.np_fastfood_matrix(signs, permutation,
                                                 gaussian, 40, 64)
        mean_square = np.mean(np.sum(truncated**2, axis=0))
        self.assertAllClose(mean_square, 1.0, atol=0.05, rtol=0.0)

    def test_fastfood_invalid_sizes(self):
        signs, permutation, gaussian = self._fastfood_arrays(8)
        with self.assertRaisesRegex(ValueError, "d=3, D=4, L=8"):
            kerastricks.ops.fastfood_projection(
                np.ones(3), signs, permutation, gaussian, 4)

    def test_sparse_and_dense_match_matrices(self):
        rng = np.random.default_rng(3)
        rows = rng.integers(0, 7, size=9)
        columns = rng.integers(0, 4, size=9)
        values = rng.normal(size=9)
        theta = rng.normal(size=4)
        matrix = reference.np_sparse_matrix(rows, columns, values, 7, 4)
        self.assertAllClose(
            kerastricks.ops.sparse_projection(
                theta.astype("float32"), rows, columns,
                values.astype("float32"), 7),
            matrix @ theta, atol=1e-6, rtol=1e-6)
        self.assertAllClose(
            kerastricks.ops.dense_projection(theta.astype("float32"),
                                             matrix.astype("float32")),
            matrix @ theta, atol=1e-6, rtol=1e-6)
