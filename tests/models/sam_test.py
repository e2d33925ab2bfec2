import keras
import numpy as np
import pytest
from absl.testing import parameterized

import kerastricks
from kerastricks.testing import TestCase
from tests.models import wrappers
from tests.references import sharpness_aware as reference

pytestmark = pytest.mark.requires_trainable_backend


def _softmax_regression(kernel, bias):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.layers[0].set_weights([kernel, bias])
    return model


class SAMTest(TestCase):
    def test_invalid_args(self):
        model = wrappers.make_model()
        with self.assertRaisesRegex(ValueError, "rho=-0.1"):
            kerastricks.models.SAM(model, rho=-0.1)
        with self.assertRaisesRegex(TypeError, "adaptive"):
            kerastricks.models.SAM(model, adaptive="yes")
        with self.assertRaisesRegex(ValueError, "eta=-1"):
            kerastricks.models.SAM(model, eta=-1)
        with self.assertRaisesRegex(ValueError, "epsilon=0"):
            kerastricks.models.SAM(model, epsilon=0)
        with self.assertRaisesRegex(TypeError, "keras.Model.*Dense"):
            kerastricks.models.SAM(keras.layers.Dense(2))
        with self.assertRaisesRegex(ValueError, "cannot wrap another"):
            kerastricks.models.SAM(kerastricks.models.SAM(model))

    def test_config(self):
        sam = kerastricks.models.SAM(wrappers.make_model(), rho=0.1,
                                     adaptive=True, eta=0.02)
        revived = self.run_serialization_test(sam)
        self.assertEqual((revived.rho, revived.adaptive, revived.eta,
                          revived.epsilon), (0.1, True, 0.02, 1e-12))

    def test_basics(self):
        x, y = wrappers.blobs()
        sam = kerastricks.models.SAM(wrappers.make_model())
        sam.compile(optimizer="adam", loss=wrappers.cross_entropy(),
                    metrics=["accuracy"])
        history = sam.fit(x, y, sample_weight=np.linspace(0, 2, len(x)),
                          validation_data=(x, y), epochs=2, batch_size=8,
                          verbose=0)
        self.assertEqual(
            sorted(history.history),
            ["accuracy", "loss", "val_accuracy", "val_loss"])
        self.assertAllFinite(history.history["loss"])
        loaded = self.run_saving_test(sam, x)
        self.assertIsInstance(loaded, kerastricks.models.SAM)
        self.assertAllClose(loaded.inner.predict(x, verbose=0),
                            sam.predict(x, verbose=0))

    @parameterized.named_parameters(
        ("sam", False, 0.3, 0.0), ("asam", True, 1.0, 0.01))
    def test_correctness_against_reference(self, adaptive, rho, eta):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(6, 3)).astype("float32")
        labels = np.array([0, 1, 1, 0, 1, 0])
        kernel = rng.normal(size=(3, 2)).astype("float32")
        bias = rng.normal(size=2).astype("float32")
        sam = kerastricks.models.SAM(_softmax_regression(kernel, bias),
                                     rho=rho, adaptive=adaptive, eta=eta)
        sam.compile(optimizer=keras.optimizers.SGD(0.5),
                    loss=wrappers.cross_entropy())
        expected = reference.np_sam_sgd(
            kernel, bias, x.astype("float64"), labels, learning_rate=0.5,
            rho=rho, steps=4, adaptive=adaptive, eta=eta)
        for step, params in enumerate(expected):
            sam.fit(x, labels, batch_size=6, epochs=1, shuffle=False,
                    verbose=0)
            # 1e-5: float32 steps against a float64 transcription.
            self.assertAllClose(sam.inner.get_weights(), params, atol=1e-5,
                                rtol=1e-5, msg=f"step {step + 1}")
        # The perturbation matters: plain SGD ends elsewhere.
        (plain_kernel, _), = reference.np_sam_sgd(
            kernel, bias, x.astype("float64"), labels, 0.5, rho=0.0,
            steps=1)
        self.assertGreater(
            np.abs(plain_kernel - expected[0][0]).max(), 1e-3)

    @parameterized.named_parameters(("sam", False), ("asam", True))
    def test_functional_matches_reference(self, adaptive):
        rng = np.random.default_rng(0)
        params = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
        gradients = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
        result = kerastricks.ops.sharpness_aware_perturbation(
            [keras.ops.convert_to_tensor(g, "float32") for g in gradients],
            [keras.ops.convert_to_tensor(w, "float32") for w in params],
            rho=0.5, adaptive=adaptive, eta=0.01,
            adaptive_variables=[True, False])
        expected = reference.np_sharpness_aware_perturbation(
            gradients, params, 0.5, adaptive, 0.01,
            adaptive_mask=[True, False])
        self.assertAllClose(result, expected, atol=1e-6, rtol=1e-5)
        self.assertAllClose(
            np.sqrt(sum(np.sum(np.square(keras.ops.convert_to_numpy(e))
                               / (np.abs(w) + 0.01 if adaptive and i == 0
                                  else 1.0) ** 2)
                        for i, (e, w) in enumerate(zip(result, params)))),
            0.5, atol=1e-5, rtol=1e-5)
        self.assertEqual(
            kerastricks.ops.sharpness_aware_perturbation(
                [None, gradients[1]], params, rho=0.5)[0], None)

    def test_rho_zero_equals_plain_training(self):
        wrappers.check_equals_plain_training(
            self, lambda m: kerastricks.models.SAM(m, rho=0.0),
            tolerance=1e-7)

    def test_batchnorm_statistics_updated_once_at_w(self):
        x, y = wrappers.blobs(8)

        def one_step(make):
            keras.utils.set_random_seed(0)
            model = make(wrappers.make_model())
            model.compile(optimizer="sgd", loss=wrappers.cross_entropy())
            model.fit(x, y, epochs=1, batch_size=8, verbose=0)
            return [v for v in model.non_trainable_variables
                    if "moving" in v.path]

        plain = one_step(lambda model: model)
        sam = one_step(lambda m: kerastricks.models.SAM(m, rho=2.0))
        # Updated by the first pass only: the plain step's statistics, not
        # two momentum updates nor those of the perturbed weights.
        self.assertAllClose(sam, plain)
        self.assertFalse(np.allclose(
            keras.ops.convert_to_numpy(plain[0]), 0.0))

    def test_two_passes_per_step(self):
        self.assertEqual(
            wrappers.passes_per_step(kerastricks.models.SAM, self), (2, 2))

    @parameterized.parameters(*wrappers.KINDS)
    def test_wraps_any_model(self, kind):
        x, y = wrappers.blobs()
        sam = kerastricks.models.SAM(wrappers.make_model(kind), rho=0.1)
        weights = wrappers.fit_weights(sam, x, y, epochs=1)
        self.assertAllFinite(np.concatenate([w.ravel() for w in weights]))
        self.run_saving_test(sam, x)

    def test_jit_compile(self):
        x, y = wrappers.blobs()
        keras.utils.set_random_seed(0)
        eager = wrappers.fit_weights(
            kerastricks.models.SAM(wrappers.make_model()), x, y, epochs=2,
            jit_compile=False)
        keras.utils.set_random_seed(0)
        compiled = wrappers.fit_weights(
            kerastricks.models.SAM(wrappers.make_model()), x, y, epochs=2,
            jit_compile=True)
        self.assertAllClose(compiled, eager, atol=1e-5, rtol=1e-5)

    def test_mixed_precision(self):
        wrappers.check_mixed_precision(self, kerastricks.models.SAM)

    def test_distribution(self):
        wrappers.check_distribution(self, kerastricks.models.SAM)

    def test_resumption(self):
        wrappers.check_resumption(
            self, lambda m: kerastricks.models.SAM(m, adaptive=True, rho=0.5))
