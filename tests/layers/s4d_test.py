import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import s4d as reference


def _complex_weights(layer):
    step, a_real, a_imag, c_real, c_imag, skip = (
        keras.ops.convert_to_numpy(p).astype("float64")
        for p in layer.parameters())
    return np.exp(step), a_real + 1j * a_imag, c_real + 1j * c_imag, skip


class S4DTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "state_size=3"):
            kerastricks.layers.S4D(state_size=3)
        with self.assertRaisesRegex(ValueError, "initialization='fourier'"):
            kerastricks.layers.S4D(initialization="fourier")
        with self.assertRaisesRegex(ValueError, "min_step=0"):
            kerastricks.layers.S4D(min_step=0)
        with self.assertRaisesRegex(ValueError, "max_step=0.0001"):
            kerastricks.layers.S4D(max_step=1e-4)
        with self.assertRaisesRegex(ValueError, "rank 3"):
            kerastricks.layers.S4D(4)(np.ones((2, 3), "float32"))

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.S4D(
            state_size=6, initialization="inv", min_step=1e-2, max_step=0.5))

    def test_legs_init_is_the_normal_hippo_spectrum(self):
        # S4D-LegS: the diagonal of the normal part of HiPPO-LegS, i.e.
        # its eigenvalues (NumPy eigvals of the full 16 x 16 matrix).
        layer = kerastricks.layers.S4D(state_size=16)
        layer.build((None, 5, 2))
        _, a, _, _ = _complex_weights(layer)
        expected = reference.np_legs_spectrum(16)
        self.assertAllClose(a, np.broadcast_to(expected, (2, 8)), atol=1e-5,
                            rtol=1e-5)
        self.assertAllClose(kerastricks.ops.hippo_legs_matrix(6),
                            reference.np_hippo_legs(6), atol=1e-12, rtol=0)
        # S4D-Lin and S4D-Inv, from their closed forms.
        n = np.arange(4)
        for initialization, imaginary in (
                ("lin", np.pi * n),
                ("inv", 8 / np.pi * (8 / (2 * n + 1) - 1))):
            real, imag = kerastricks.ops.s4d_eigenvalues(8, initialization)
            self.assertAllClose(real, np.full(4, -0.5))
            self.assertAllClose(imag, imaginary)

    def test_correctness_against_reference(self):
        # The layer (Vandermonde kernel, rfft convolution) against the
        # step-by-step complex recurrence, for every initialization.
        x = np.random.default_rng(0).normal(size=(2, 24, 3)).astype(
            "float32")
        for initialization in ("legs", "lin", "inv"):
            layer = kerastricks.layers.S4D(state_size=8,
                                           initialization=initialization)
            output = layer(x)
            step, a, c, skip = _complex_weights(layer)
            expected = reference.np_s4d_recurrence(x, step, a, c, skip)
            self.assertAllClose(output, expected, atol=1e-5, rtol=1e-5)

    def test_convolution_equals_recurrent_form(self):
        x = np.random.default_rng(1).normal(size=(2, 33, 3)).astype(
            "float32")
        layer = kerastricks.layers.S4D(state_size=8, max_step=0.5)
        layer.build(x.shape)
        parameters = layer.parameters()
        convolution = kerastricks.ops.s4d_convolution(x, *parameters)
        recurrence = kerastricks.ops.s4d_recurrence(x, *parameters)
        self.assertAllClose(convolution, recurrence, atol=1e-5, rtol=1e-5)
        step, a, c, _ = _complex_weights(layer)
        self.assertAllClose(
            kerastricks.ops.s4d_kernel(*parameters[:5], 33),
            reference.np_s4d_kernel(step, a, c, 33), atol=1e-5, rtol=1e-5)
