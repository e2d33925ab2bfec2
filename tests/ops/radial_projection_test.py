import numpy as np
from absl.testing import parameterized
from keras import ops

import kerastricks
from kerastricks import testing
from kerastricks.backend.channel_sums import channel_sums
from tests.references import optimizers as reference


def channel_orthogonal_case(shape, seed=0):
    """Weights and a gradient orthogonal to each output channel (last
    axis): the per-channel view fires."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=shape).reshape(-1, shape[-1])
    g = rng.normal(size=w.shape)
    unit = w / np.linalg.norm(w, axis=0, keepdims=True)
    g = g - unit * np.sum(unit * g, axis=0, keepdims=True)
    return w.reshape(shape), g.reshape(shape)


def whole_tensor_case(shape, seed=0):
    """A gradient aligned with channel 0 and anti-aligned with channel 1 so
    that the dot products cancel: only the whole-tensor view fires."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=shape).reshape(-1, shape[-1])
    g = np.zeros_like(w)
    g[:, 0] = w[:, 0]
    g[:, 1] = -w[:, 1] * np.sum(w[:, 0] ** 2) / np.sum(w[:, 1] ** 2)
    return w.reshape(shape), g.reshape(shape)


def aligned_case(shape, seed=0):
    """The gradient is the weights: no view fires."""
    w = np.random.default_rng(seed).normal(size=shape)
    return w, 2.0 * w


class RemoveRadialComponentTest(testing.TestCase):
    @parameterized.product(
        case=(channel_orthogonal_case, whole_tensor_case, aligned_case),
        # (300, 4) and (3, 3, 32, 8) are tall enough for the blocked
        # channel sums of JAX and TensorFlow, the first with rows left
        # over.
        shape=((5, 3), (2, 2, 3, 4), (300, 4), (3, 3, 32, 8)),
    )
    def test_correctness_against_reference(self, case, shape):
        w, g = case(shape)
        update = np.random.default_rng(7).normal(size=shape)
        expected, expected_fired = reference.np_radial_projection(
            update, g, w, 0.1, 1e-8)
        actual, fired = kerastricks.ops.remove_radial_component(
            update.astype("float32"), g.astype("float32"),
            w.astype("float32"))
        self.assertEqual(bool(ops.convert_to_numpy(fired)), expected_fired)
        self.assertAllClose(actual, expected, atol=1e-6, rtol=1e-6)

    def test_projected_update_is_tangent(self):
        w, g = channel_orthogonal_case((6, 4))
        update = np.random.default_rng(3).normal(size=(6, 4))
        projected, fired = kerastricks.ops.remove_radial_component(
            update.astype("float32"), g.astype("float32"),
            w.astype("float32"))
        self.assertTrue(bool(ops.convert_to_numpy(fired)))
        radial = np.sum(ops.convert_to_numpy(projected) * w, axis=0)
        self.assertAllClose(radial, np.zeros(4), atol=1e-5)

    def test_vectors_pass_unchanged(self):
        update = np.array([1.0, -2.0, 3.0], "float32")
        projected, fired = kerastricks.ops.remove_radial_component(
            update, np.array([0.0, 1.0, 0.0], "float32"),
            np.array([1.0, 0.0, 0.0], "float32"))
        self.assertFalse(bool(ops.convert_to_numpy(fired)))
        self.assertAllEqual(projected, update)


class ChannelSumsTest(testing.TestCase):
    # Too few rows for blocks (3, 27), two blocks (70), four (200), eight
    # (264, 2304), eight with rows left over (269).
    @parameterized.parameters(3, 27, 70, 200, 264, 269, 2304)
    def test_sums_over_rows_match_numpy(self, rows):
        rng = np.random.default_rng(rows)
        a, b = (rng.normal(size=(rows, 5)).astype("float32")
                for _ in range(2))
        sums = channel_sums([(a, b), (a, a), (b, b)])
        for actual, (x, y) in zip(sums, [(a, b), (a, a), (b, b)]):
            self.assertEqual(tuple(actual.shape), (1, 5))
            self.assertAllClose(actual, np.sum(x * y, axis=0, keepdims=True),
                                atol=1e-4, rtol=1e-5)
