import functools

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import optimizers as reference


def orthograd_sgd(learning_rate=0.1, momentum=0.0, **kwargs):
    return kerastricks.optimizers.OrthoGrad(
        keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum,
                             **kwargs)
    )


class OrthoGradTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "epsilon=0"):
            orthograd_sgd().__class__(keras.optimizers.SGD(), epsilon=0)
        with self.assertRaisesRegex(ValueError, "weight_decay=0.1"):
            kerastricks.optimizers.OrthoGrad(keras.optimizers.SGD(),
                                             weight_decay=0.1)
        with self.assertRaisesRegex(ValueError, "unknown"):
            kerastricks.optimizers.OrthoGrad(keras.optimizers.SGD(), foo=1)
        with self.assertRaisesRegex(TypeError, "optimizer=None"):
            kerastricks.optimizers.OrthoGrad(None)
        with self.assertRaisesRegex(TypeError, "optimizer=3"):
            kerastricks.optimizers.OrthoGrad(3)

    def test_learning_rate_argument_is_refused(self):
        # The rate lives on the wrapped optimizer; a second one given to the
        # wrapper would be silently ignored, so it is refused.
        with self.assertRaisesRegex(ValueError, "learning_rate=0.5"):
            kerastricks.optimizers.OrthoGrad(keras.optimizers.SGD(0.1),
                                             learning_rate=0.5)

    def test_learning_rate_reads_and_sets_the_wrapped_rate(self):
        optimizer = kerastricks.optimizers.OrthoGrad(
            keras.optimizers.SGD(0.1))
        self.assertAllClose(optimizer.learning_rate, 0.1)
        optimizer.learning_rate = 0.25
        self.assertAllClose(optimizer.optimizer.learning_rate, 0.25)

    def test_string_identifier(self):
        optimizer = kerastricks.optimizers.OrthoGrad("adamw")
        self.assertIsInstance(optimizer.optimizer, keras.optimizers.AdamW)

    def test_fit_under_mixed_float16(self):
        # Mixed precision wraps the optimizer in a LossScaleOptimizer, whose
        # stateless step runs OrthoGrad's inside `ops.cond` on JAX.
        keras.config.set_dtype_policy("mixed_float16")
        try:
            model = keras.Sequential([
                keras.Input((4,)),
                keras.layers.Dense(3),
                keras.layers.Dense(2, dtype="float32"),
            ])
            model.compile(optimizer=orthograd_sgd(learning_rate=0.1),
                          loss="mse")
            rng = np.random.default_rng(0)
            x = rng.normal(size=(16, 4)).astype("float32")
            y = rng.normal(size=(16, 2)).astype("float32")
            before = model.evaluate(x, y, verbose=0)
            history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        finally:
            keras.config.set_dtype_policy("float32")
        self.assertIsInstance(model.optimizer,
                              keras.optimizers.LossScaleOptimizer)
        self.assertTrue(np.all(np.isfinite(history.history["loss"])))
        self.assertLess(history.history["loss"][-1], before)

    def test_config(self):
        revived = self.run_serialization_test(
            kerastricks.optimizers.OrthoGrad(
                keras.optimizers.AdamW(learning_rate=0.01), epsilon=1e-20
            )
        )
        self.assertIsInstance(revived.optimizer, keras.optimizers.AdamW)
        self.assertEqual(revived.optimizer.learning_rate, 0.01)

    def test_correctness_against_reference(self):
        self.run_optimizer_test(
            orthograd_sgd,
            reference.orthograd_sgd(learning_rate=0.1),
            steps=12,
            shapes=((3,), (3, 4), (2, 2, 3)),
            check_convergence=False,
            check_weight_decay=False,
            check_gradient_accumulation=False,
            check_resumption=False,
        )

    def test_functional_matches_numpy(self):
        rng = np.random.default_rng(0)
        w = rng.normal(size=(3, 4)).astype("float32")
        g = rng.normal(size=(3, 4)).astype("float32")
        result = kerastricks.ops.orthogonalize_gradient(g, w)
        self.assertAllClose(result, reference.np_orthogonalize(g, w),
                            atol=1e-6, rtol=1e-5)
        self.assertAllClose(kerastricks.ops.orthogonalize_gradient(2.5 * w, w),
                            np.zeros_like(w), atol=1e-6)

    def test_sgd_step_is_orthogonal_and_keeps_gradient_norm(self):
        # The defining property: with plain SGD, <dw, w> = 0 for every
        # tensor and |dw| = lr * |g|, so |w'|^2 = |w|^2 + |dw|^2.
        rng = np.random.default_rng(1)
        w = rng.normal(size=(4, 5)).astype("float32")
        g = keras.ops.convert_to_tensor(
            (rng.normal(size=(4, 5)) + 2.0 * w).astype("float32"))
        variable = keras.Variable(w)
        orthograd_sgd(learning_rate=0.1).apply_gradients([(g, variable)])
        change = keras.ops.convert_to_numpy(variable) - w
        self.assertLess(abs(np.sum(change * w)),
                        1e-6 * np.linalg.norm(change) * np.linalg.norm(w))
        g = keras.ops.convert_to_numpy(g)
        self.assertAllClose(np.linalg.norm(change), 0.1 * np.linalg.norm(g),
                            rtol=1e-5)
        plain = keras.Variable(w)
        keras.optimizers.SGD(0.1).apply_gradients(
            [(keras.ops.convert_to_tensor(g), plain)])
        plain_change = keras.ops.convert_to_numpy(plain) - w
        self.assertGreater(abs(np.sum(plain_change * w)), 0.1)

    def test_inner_options_apply(self):
        # Weight decay and accumulation stay the inner optimizer's job.
        self._check_weight_decay(orthograd_sgd)
        self._check_gradient_accumulation(orthograd_sgd)

    def test_distribution(self):
        self.run_distribution_test(functools.partial(orthograd_sgd,
                                                     momentum=0.8))
