import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import layerwise as reference

_WARMUP, _DECAY = 2, 6


def _schedule(peak):
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=_DECAY, warmup_target=peak, warmup_steps=_WARMUP)


def _wrapped(peak, weight_decay=0.1):
    return kerastricks.optimizers.IndependentWeightDecay(
        keras.optimizers.SGD(learning_rate=_schedule(peak)),
        weight_decay=weight_decay, peak_learning_rate=peak)


class IndependentWeightDecayTest(testing.TestCase):
    def test_invalid_args(self):
        cls = kerastricks.optimizers.IndependentWeightDecay
        with self.assertRaisesRegex(ValueError, "weight_decay=0.004"):
            cls(keras.optimizers.AdamW(learning_rate=0.1))
        with self.assertRaisesRegex(ValueError, "adam_weight_decay=0.004"):
            cls(keras.optimizers.Muon(weight_decay=0.0))
        with self.assertRaisesRegex(ValueError, "peak_learning_rate=None"):
            cls(keras.optimizers.SGD(learning_rate=_schedule(0.1)))
        with self.assertRaisesRegex(ValueError, "weight_decay=-1"):
            cls(keras.optimizers.SGD(), weight_decay=-1)
        with self.assertRaisesRegex(ValueError, "peak_learning_rate=0"):
            cls(keras.optimizers.SGD(), peak_learning_rate=0)
        with self.assertRaisesRegex(ValueError, "learning_rate=0.5"):
            cls(keras.optimizers.SGD(), learning_rate=0.5)

    def test_config(self):
        revived = self.run_serialization_test(_wrapped(0.5, 0.01))
        self.assertEqual(revived.peak_learning_rate, 0.5)
        self.assertEqual(revived.weight_decay, 0.01)

    def test_float_rate_gives_its_peak(self):
        optimizer = kerastricks.optimizers.IndependentWeightDecay(
            keras.optimizers.SGD(learning_rate=0.3))
        self.assertAlmostEqual(optimizer.peak_learning_rate, 0.3, places=6)

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(0)
        initial = rng.normal(size=(2, 3)).astype("float32")
        grads = [rng.normal(size=(2, 3)).astype("float32") for _ in range(8)]
        variable = keras.Variable(initial)
        optimizer = _wrapped(0.5)
        for gradient in grads:
            optimizer.apply_gradients(
                [(keras.ops.convert_to_tensor(gradient), variable)])
        init, update = reference.independent_weight_decay_sgd(
            lambda step: reference.cosine_decay_with_warmup(
                step, 0.5, _WARMUP, _DECAY),
            peak_learning_rate=0.5, weight_decay=0.1)
        params, state = [initial.astype("float64")], init(None)
        for step, gradient in enumerate(grads, start=1):
            params, state = update([gradient.astype("float64")], state,
                                   params, step)
        self.assertAllClose(variable, params[0], atol=1e-5, rtol=1e-5)

    def test_decay_does_not_change_with_the_peak_rate(self):
        # With zero gradients only the decay moves the weights; scaling the
        # schedule's peak 10x leaves every step's decay as it was, while
        # Keras's own (coupled) decay grows 10x.
        initial = np.full((3,), 2.0, "float32")
        zeros = keras.ops.zeros((3,))
        finals = {}
        for peak in (0.05, 0.5):
            variable = keras.Variable(initial)
            optimizer = _wrapped(peak)
            for _ in range(6):
                optimizer.apply_gradients([(zeros, variable)])
            finals[peak] = keras.ops.convert_to_numpy(variable)
        self.assertAllClose(finals[0.05], finals[0.5])
        expected = 2.0 * np.prod([
            1 - 0.1 * reference.cosine_decay_with_warmup(
                s, 1.0, _WARMUP, _DECAY) for s in range(6)])
        self.assertAllClose(finals[0.5], np.full(3, expected))
        self.assertLess(expected, 2.0)

    def test_excluded_variable_is_not_decayed(self):
        kernel = keras.Variable(np.ones((2, 2), "float32"), name="kernel")
        bias = keras.Variable(np.ones((2,), "float32"), name="bias")
        optimizer = kerastricks.optimizers.IndependentWeightDecay(
            keras.optimizers.SGD(learning_rate=0.1), weight_decay=0.5)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        optimizer.apply_gradients([(keras.ops.zeros((2, 2)), kernel),
                                   (keras.ops.zeros((2,)), bias)])
        self.assertAllClose(kernel, np.full((2, 2), 0.5))
        self.assertAllClose(bias, np.ones(2))

    def test_fit_under_mixed_float16(self):
        keras.config.set_dtype_policy("mixed_float16")
        try:
            model = keras.Sequential([
                keras.Input((4,)), keras.layers.Dense(3),
                keras.layers.Dense(2, dtype="float32")])
            model.compile(optimizer=_wrapped(0.05, 0.01), loss="mse")
            rng = np.random.default_rng(0)
            x = rng.normal(size=(16, 4)).astype("float32")
            y = rng.normal(size=(16, 2)).astype("float32")
            history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        finally:
            keras.config.set_dtype_policy("float32")
        self.assertIsInstance(model.optimizer,
                              keras.optimizers.LossScaleOptimizer)
        self.assertAllFinite(np.asarray(history.history["loss"]))
