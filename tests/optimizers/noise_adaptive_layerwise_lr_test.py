import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import layerwise as reference

# Three matrices (one Muon group) and a bias that Muon hands to AdamW.
_SHAPES = ((4, 3), (3, 3), (3, 2), (2,))


def _muon(**kwargs):
    return keras.optimizers.Muon(learning_rate=0.01, weight_decay=0.0,
                                 adam_weight_decay=0.0, **kwargs)


def _wrapped(**kwargs):
    return kerastricks.optimizers.NoiseAdaptiveLayerwiseLR(_muon(), **kwargs)


def _variables(rng):
    return [keras.Variable(rng.normal(size=shape).astype("float32"),
                           name=f"v{i}")
            for i, shape in enumerate(_SHAPES)]


def _run(optimizer, gradients_per_step, rng):
    variables = _variables(rng)
    for grads in gradients_per_step:
        optimizer.apply_gradients(
            zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
    return variables


class NoiseAdaptiveLayerwiseLRTest(testing.TestCase):
    def test_invalid_args(self):
        cls = kerastricks.optimizers.NoiseAdaptiveLayerwiseLR
        with self.assertRaisesRegex(TypeError, "optimizer=AdamW"):
            cls(keras.optimizers.AdamW())
        with self.assertRaisesRegex(ValueError, "beta_1=1"):
            cls(_muon(), beta_1=1)
        with self.assertRaisesRegex(ValueError, "beta_2=-0.1"):
            cls(_muon(), beta_2=-0.1)
        with self.assertRaisesRegex(ValueError, "epsilon=0"):
            cls(_muon(), epsilon=0)
        with self.assertRaisesRegex(ValueError, "learning_rate=0.1"):
            cls(_muon(), learning_rate=0.1)

    def test_config(self):
        revived = self.run_serialization_test(
            _wrapped(beta_1=0.8, beta_2=0.95, epsilon=1e-10))
        self.assertIsInstance(revived.optimizer, keras.optimizers.Muon)
        self.assertEqual(revived.beta_2, 0.95)

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(0)
        steps = [[rng.normal(size=s).astype("float32") for s in _SHAPES]
                 for _ in range(4)]
        # Noise of different sizes per layer, so the multipliers differ.
        for grads in steps:
            grads[0] *= 4.0
        variables = _run(_wrapped(), steps, np.random.default_rng(1))
        init, update = reference.noise_adaptive_layerwise_lr(
            reference.muon(learning_rate=0.01))
        params = [v.astype("float64") for v in
                  [keras.ops.convert_to_numpy(v)
                   for v in _variables(np.random.default_rng(1))]]
        state = init(params)
        for step, grads in enumerate(steps, start=1):
            params, state = update([g.astype("float64") for g in grads],
                                   state, params, step)
        self.assertLess(state["multipliers"][0], 0.9)
        self.assertAllClose(variables, params, atol=1e-5, rtol=1e-5)

    def test_noise_free_identical_gradients_step_as_muon(self):
        # Every layer gets the same constant gradient: the noise estimates
        # stay equal (zero) and the wrapper is plain Muon.
        matrix = np.random.default_rng(0).normal(size=(3, 3)).astype(
            "float32")
        shapes = ((3, 3), (3, 3), (3, 3))
        steps = [[matrix] * 3] * 5

        def run(optimizer):
            variables = [keras.Variable(np.eye(3, dtype="float32") * (i + 1))
                         for i in range(len(shapes))]
            for grads in steps:
                optimizer.apply_gradients(
                    zip([keras.ops.convert_to_tensor(g) for g in grads],
                        variables))
            return variables, optimizer

        wrapped, optimizer = run(_wrapped())
        plain, _ = run(_muon())
        self.assertAllClose(wrapped, plain)
        estimates = [keras.ops.convert_to_numpy(v)
                     for v in optimizer.noise_estimates]
        self.assertAllClose(estimates, [estimates[0]] * 3)

    def test_noisy_layer_gets_a_lower_multiplier(self):
        rng = np.random.default_rng(0)
        signal = [rng.normal(size=s).astype("float32") for s in _SHAPES]
        steps = []
        for _ in range(8):
            grads = [g + 0.05 * rng.normal(size=g.shape).astype("float32")
                     for g in signal]
            grads[1] = grads[1] + 2.0 * rng.normal(size=(3, 3)).astype(
                "float32")
            steps.append(grads)
        optimizer = _wrapped()
        _run(optimizer, steps, np.random.default_rng(2))
        estimates = np.array([keras.ops.convert_to_numpy(v)
                              for v in optimizer.noise_estimates])
        multipliers = reference.noise_adaptive_multipliers(estimates)
        # Three layers, one much noisier: its multiplier nears
        # sqrt(1 / 3), the others keep the base rate.
        self.assertLess(multipliers[1], 0.6)
        self.assertAllClose(multipliers[[0, 2]], [1.0, 1.0])

    def test_excluded_layers_keep_the_base_rate(self):
        optimizer = kerastricks.optimizers.NoiseAdaptiveLayerwiseLR(
            _muon(exclude_layers=["v0"]))
        optimizer.build(_variables(np.random.default_rng(0)))
        self.assertEqual(optimizer._spectral, [False, True, True, False])

    def test_fit_under_mixed_float16(self):
        keras.config.set_dtype_policy("mixed_float16")
        try:
            model = keras.Sequential([
                keras.Input((4,)), keras.layers.Dense(6),
                keras.layers.Dense(2, dtype="float32")])
            model.compile(optimizer=_wrapped(), loss="mse")
            rng = np.random.default_rng(0)
            x = rng.normal(size=(16, 4)).astype("float32")
            y = rng.normal(size=(16, 2)).astype("float32")
            history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        finally:
            keras.config.set_dtype_policy("float32")
        self.assertIsInstance(model.optimizer,
                              keras.optimizers.LossScaleOptimizer)
        self.assertAllFinite(np.asarray(history.history["loss"]))
