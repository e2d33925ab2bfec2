import keras
import numpy as np
import pytest

import kerastricks
from kerastricks.testing import TestCase
from tests.models import wrappers
from tests.references import sharpness_aware_variants as reference

pytestmark = pytest.mark.requires_trainable_backend


def softmax_regression_problem(seed=0):
    """Six examples, 3 features, 2 classes, and a random linear model."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 3)).astype("float32")
    labels = np.array([0, 1, 1, 0, 1, 0])
    kernel = rng.normal(size=(3, 2)).astype("float32")
    bias = rng.normal(size=2).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.layers[0].set_weights([kernel, bias])
    return model, x, labels, kernel, bias


def check_against_reference(test, wrapper, x, labels, expected):
    """Full-batch SGD(0.5) steps of `wrapper`, one per `expected` entry."""
    wrapper.compile(optimizer=keras.optimizers.SGD(0.5),
                    loss=wrappers.cross_entropy())
    for step, params in enumerate(expected):
        wrapper.fit(x, labels, batch_size=6, epochs=1, shuffle=False,
                    verbose=0)
        # 1e-5: float32 steps against a float64 transcription.
        test.assertAllClose(wrapper.inner.get_weights(), params, atol=1e-5,
                            rtol=1e-5, msg=f"step {step + 1}")


class GSAMTest(TestCase):
    def test_invalid_args(self):
        model = wrappers.make_model()
        with self.assertRaisesRegex(ValueError, "alpha=-0.1"):
            kerastricks.models.GSAM(model, alpha=-0.1)
        with self.assertRaisesRegex(ValueError, "rho=-1"):
            kerastricks.models.GSAM(model, rho=-1)

    def test_config(self):
        gsam = kerastricks.models.GSAM(wrappers.make_model(), rho=0.1,
                                       alpha=0.3, adaptive=True)
        revived = self.run_serialization_test(gsam)
        self.assertEqual((revived.rho, revived.alpha, revived.adaptive),
                         (0.1, 0.3, True))

    def test_correctness_against_reference(self):
        model, x, labels, kernel, bias = softmax_regression_problem()
        expected = reference.np_gsam_sgd(
            kernel, bias, x.astype("float64"), labels, learning_rate=0.5,
            rho=0.3, alpha=0.5, steps=3)
        check_against_reference(
            self, kerastricks.models.GSAM(model, rho=0.3, alpha=0.5), x,
            labels, expected)
        # alpha matters: SAM (alpha = 0) ends elsewhere.
        sam = reference.np_gsam_sgd(kernel, bias, x.astype("float64"),
                                    labels, 0.5, rho=0.3, alpha=0.0, steps=3)
        self.assertGreater(np.abs(sam[-1][0] - expected[-1][0]).max(), 1e-3)

    def test_orthogonal_component(self):
        rng = np.random.default_rng(1)
        v = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
        d = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
        result = kerastricks.ops.orthogonal_component(
            [keras.ops.convert_to_tensor(t, "float32") for t in v],
            [keras.ops.convert_to_tensor(t, "float32") for t in d])
        result = [keras.ops.convert_to_numpy(t) for t in result]
        inner = sum(np.sum(a * b) for a, b in zip(result, d))
        self.assertAllClose(inner, 0.0, atol=1e-5)
        # What was removed is parallel to d: v - v_orth = c d.
        removed = np.concatenate([(a - b).ravel() for a, b in zip(v, result)])
        flat_d = np.concatenate([t.ravel() for t in d])
        self.assertAllClose(removed, removed @ flat_d / (flat_d @ flat_d)
                            * flat_d, atol=1e-5)
