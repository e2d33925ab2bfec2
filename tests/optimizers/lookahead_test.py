import keras
import numpy as np

import kerastricks
from kerastricks import testing
from kerastricks.testing.test_case import MULTI_STEP_TOLERANCE
from tests.references import lookahead as reference
from tests.references import optimizers as optimizer_reference


def _lookahead_adamp():
    return kerastricks.optimizers.Lookahead(
        kerastricks.optimizers.AdamP(learning_rate=0.1), sync_period=3,
        slow_step_size=0.6)


class LookaheadTest(testing.TestCase):
    def test_invalid_args(self):
        sgd = keras.optimizers.SGD()
        with self.assertRaisesRegex(TypeError, "sync_period=True"):
            kerastricks.optimizers.Lookahead(sgd, sync_period=True)
        with self.assertRaisesRegex(TypeError, "sync_period=2.0"):
            kerastricks.optimizers.Lookahead(sgd, sync_period=2.0)
        with self.assertRaisesRegex(ValueError, "sync_period=0"):
            kerastricks.optimizers.Lookahead(sgd, sync_period=0)
        for alpha in (0.0, 1.5, -0.5):
            with self.assertRaisesRegex(ValueError,
                                        f"slow_step_size={alpha}"):
                kerastricks.optimizers.Lookahead(sgd, slow_step_size=alpha)
        with self.assertRaisesRegex(TypeError, "optimizer=None"):
            kerastricks.optimizers.Lookahead(None)
        with self.assertRaisesRegex(ValueError, "learning_rate=0.5"):
            kerastricks.optimizers.Lookahead(sgd, learning_rate=0.5)
        with self.assertRaisesRegex(ValueError, "weight_decay=0.1"):
            kerastricks.optimizers.Lookahead(sgd, weight_decay=0.1)
        with self.assertRaisesRegex(ValueError, "unknown"):
            kerastricks.optimizers.Lookahead(sgd, k=3)

    def test_config(self):
        revived = self.run_serialization_test(
            kerastricks.optimizers.Lookahead(
                kerastricks.optimizers.AdamP(learning_rate=0.01),
                sync_period=4, slow_step_size=0.8))
        self.assertIsInstance(revived.optimizer, kerastricks.optimizers.AdamP)
        self.assertEqual(revived.sync_period, 4)
        self.assertEqual(revived.slow_step_size, 0.8)
        self.assertIsInstance(
            kerastricks.optimizers.Lookahead("adam").optimizer,
            keras.optimizers.Adam)

    def test_correctness_against_reference(self):
        # Wrapping one of ours, over three full k-cycles and a partial one,
        # through `apply` and through `stateless_apply` (JAX's `fit`).
        rng = np.random.default_rng(0)
        initial = [rng.normal(size=shape).astype("float32")
                   for shape in ((3,), (2, 2, 3))]
        grads = [[rng.normal(size=w.shape).astype("float32")
                  for w in initial] for _ in range(10)]
        init, update = reference.lookahead(
            optimizer_reference.adamp(learning_rate=0.1), sync_period=3,
            slow_step_size=0.6)
        expected = [w.astype("float64") for w in initial]
        state = init(expected)
        stateful = [keras.Variable(w) for w in initial]
        stateful_optimizer = _lookahead_adamp()
        # TensorFlow has no `stateless_apply` (tf.distribute).
        stateless = keras.config.backend() != "tensorflow"
        values = [keras.ops.convert_to_tensor(w) for w in initial]
        if stateless:
            stateless_optimizer = _lookahead_adamp()
            stateless_optimizer.build([keras.Variable(w) for w in initial])
            optimizer_values = [keras.ops.convert_to_tensor(v)
                                for v in stateless_optimizer.variables]
        for step, step_grads in enumerate(grads, start=1):
            tensors = [keras.ops.convert_to_tensor(g) for g in step_grads]
            stateful_optimizer.apply_gradients(zip(tensors, stateful))
            if stateless:
                values, optimizer_values = (
                    stateless_optimizer.stateless_apply(
                        optimizer_values, tensors, values))
            expected, state = update(
                [g.astype("float64") for g in step_grads], state, expected,
                step)
            for actual in (stateful, values) if stateless else (stateful,):
                self.assertAllClose(
                    actual, expected, atol=MULTI_STEP_TOLERANCE,
                    rtol=MULTI_STEP_TOLERANCE, msg=f"step {step}")

    def test_reference_by_hand(self):
        # SGD(lr=1) on constant gradient 1 from w = 0, k = 2, alpha = 0.5:
        # fast -1, -2; slow -1 (= fast); fast -2, -3; slow -2; ...
        init, update = reference.lookahead(reference.sgd(1.0), 2, 0.5)
        params, state = [np.zeros(1)], init([np.zeros(1)])
        trajectory = []
        for step in range(1, 7):
            params, state = update([np.ones(1)], state, params, step)
            trajectory.append(params[0][0])
        self.assertAllClose(trajectory, [-1, -1, -2, -2, -3, -3])

    def test_functional_matches_numpy(self):
        rng = np.random.default_rng(0)
        fast = rng.normal(size=(3, 2)).astype("float32")
        slow = rng.normal(size=(3, 2)).astype("float32")
        merged = slow + 0.3 * (fast - slow)
        for step, expected in ((6, (fast, slow)), (8, (merged, merged))):
            self.assertAllClose(
                kerastricks.ops.lookahead_update(fast, slow, step,
                                                 sync_period=4,
                                                 slow_step_size=0.3),
                expected)

    def test_sync_counts_accumulated_updates(self):
        # With gradient_accumulation_steps=2, four calls are two SGD
        # updates, and k = 2 syncs after the second one.
        variable = keras.Variable(np.zeros(2, "float32"))
        optimizer = kerastricks.optimizers.Lookahead(
            keras.optimizers.SGD(1.0, gradient_accumulation_steps=2),
            sync_period=2, slow_step_size=0.5)
        values = []
        for _ in range(4):
            optimizer.apply_gradients([(keras.ops.ones(2), variable)])
            values.append(keras.ops.convert_to_numpy(variable)[0])
        self.assertAllClose(values, [0.0, -1.0, -1.0, -1.0])

    def test_fit_under_mixed_float16(self):
        # Keras wraps the optimizer in a LossScaleOptimizer, which runs
        # Lookahead's (stateless, on JAX) step inside `ops.cond`.
        x, y = testing.problems.parabola(num_examples=16)
        with testing.dtype_policy("mixed_float16"):
            model = testing.problems.mlp()
            model.compile(
                optimizer=kerastricks.optimizers.Lookahead(
                    keras.optimizers.SGD(0.05), sync_period=2),
                loss="mse")
            before = model.evaluate(x, y, verbose=0)
            history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
        self.assertIsInstance(model.optimizer,
                              keras.optimizers.LossScaleOptimizer)
        self.assertAllFinite(np.asarray(history.history["loss"]))
        self.assertLess(history.history["loss"][-1], before)
