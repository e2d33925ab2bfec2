import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import linear_recurrence as reference

_LAYER = kerastricks.layers.GatedLinearRecurrence


def _weights(layer):
    return [keras.ops.convert_to_numpy(w) for w in (
        layer.transition_kernel, layer.transition_bias, layer.input_kernel,
        layer.input_bias)]


def _parity_layer(allow_negative_eigenvalues, length):
    """One unit set to the paper's parity construction: a_t = 1 - 2 x_t
    (up to a saturated sigmoid) and b_t = x_t."""
    layer = _LAYER(1, allow_negative_eigenvalues=allow_negative_eigenvalues)
    layer.build((None, length, 1))
    layer.set_weights([np.array([[-40.0]]), np.array([20.0]),
                       np.array([[1.0]]), np.array([0.0])])
    return layer


class GatedLinearRecurrenceTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "units=0"):
            _LAYER(0)
        with self.assertRaisesRegex(TypeError, "allow_negative_eigenvalues"):
            _LAYER(2, allow_negative_eigenvalues="yes")
        with self.assertRaisesRegex(TypeError, "return_sequences=1"):
            _LAYER(2, return_sequences=1)
        with self.assertRaisesRegex(ValueError, "rank 3"):
            _LAYER(2)(np.ones((2, 3), "float32"))

    def test_config(self):
        self.run_serialization_test(
            _LAYER(5, allow_negative_eigenvalues=False,
                   return_sequences=False, kernel_initializer="ones",
                   bias_initializer="ones"))

    def test_correctness_against_reference(self):
        # 37 steps: not a power of two, so the scan's last offsets are
        # partial; the mask drops random steps.
        rng = np.random.default_rng(0)
        x = rng.normal(size=(3, 37, 4)).astype("float32")
        mask = rng.uniform(size=(3, 37)) > 0.3
        for negative in (True, False):
            layer = _LAYER(5, allow_negative_eigenvalues=negative,
                           bias_initializer="random_normal")
            output = layer(x, mask=mask)
            expected = reference.np_gated_linear_recurrence(
                x, *_weights(layer), allow_negative_eigenvalues=negative,
                mask=mask)
            self.assertAllClose(output, expected, atol=1e-5, rtol=1e-5)
            decay, _ = layer.gates(x * 10.0)
            decay = keras.ops.convert_to_numpy(decay)
            self.assertLessEqual(decay.max(), 1.0)
            if negative:
                self.assertLess(decay.min(), -0.5)
            else:
                self.assertGreaterEqual(decay.min(), 0.0)

    def test_parallel_scan_equals_sequential_recurrence(self):
        rng = np.random.default_rng(1)
        decay = rng.uniform(-1.0, 1.0, size=(2, 50, 3, 2)).astype("float32")
        inputs = rng.normal(size=(2, 50, 3, 2)).astype("float32")
        initial = rng.normal(size=(2, 3, 2)).astype("float32")
        mask = rng.uniform(size=(2, 50)) > 0.2
        expected = reference.np_linear_recurrence(decay, inputs, initial,
                                                  mask)
        for function in (kerastricks.ops.linear_recurrence,
                         kerastricks.ops.sequential_linear_recurrence):
            self.assertAllClose(function(decay, inputs, initial, mask),
                                expected, atol=1e-5, rtol=1e-5)

    def test_negative_eigenvalues_track_parity(self):
        # The paper's claim in its constructive form: with a_t in [-1, 1]
        # one unit holds the parity of 300 bits exactly; the same weights
        # under the [0, 1] gate (a_t = sigmoid, never below 0) do not.
        bits = np.random.default_rng(2).integers(0, 2, size=(4, 300, 1))
        parity = np.cumsum(bits[..., 0], axis=1) % 2
        x = bits.astype("float32")
        tracked = keras.ops.convert_to_numpy(_parity_layer(True, 300)(x))
        self.assertAllClose(tracked[..., 0], parity, atol=1e-5, rtol=0)
        baseline = keras.ops.convert_to_numpy(_parity_layer(False, 300)(x))
        accuracy = np.mean((baseline[..., 0] > 0.5) == parity)
        self.assertLess(accuracy, 0.75)

    def test_masked_padding_leaves_the_last_state(self):
        # Zero-padded sequences under Embedding(mask_zero=True) end in the
        # state after their last token, equal to the unpadded sequence.
        tokens = np.array([[3, 1, 2, 0, 0], [1, 1, 2, 3, 1]])
        embedding = keras.layers.Embedding(4, 3, mask_zero=True)
        layer = _LAYER(2, return_sequences=False)
        padded = layer(embedding(tokens))
        short = layer(embedding(tokens[:1, :3]))
        self.assertAllClose(padded[:1], short, atol=1e-6, rtol=1e-6)
        inputs = keras.Input((None,), dtype="int32")
        sequences = _LAYER(2)(embedding(inputs))
        self.assertIsNotNone(sequences._keras_mask)
