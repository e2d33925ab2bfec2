import warnings

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import ops as reference


def linear_classifier(scale):
    rng = np.random.default_rng(0)
    kernel = (rng.normal(size=(4, 3)) * scale).astype("float32")
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(3, use_bias=False,
                           kernel_initializer=keras.initializers.Constant(
                               kernel)),
    ])
    return model, kernel


def probe(kernel):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    return x, np.argmax(x @ kernel, axis=1)  # labels the model gets right


class SoftmaxCollapseMonitorTest(testing.TestCase):
    def test_invalid_args(self):
        monitor_cls = kerastricks.callbacks.SoftmaxCollapseMonitor
        data = (np.ones((2, 4)), np.zeros(2))
        with self.assertRaisesRegex(ValueError, "tuple"):
            monitor_cls(np.ones((2, 4)))
        with self.assertRaisesRegex(ValueError, "2 inputs and 3 labels"):
            monitor_cls((np.ones((2, 4)), np.zeros(3)))
        with self.assertRaisesRegex(ValueError, "check_every=0"):
            monitor_cls(data, check_every=0)
        with self.assertRaisesRegex(ValueError, "stop_above=2"):
            monitor_cls(data, stop_above=2)

    def test_config(self):
        monitor = kerastricks.callbacks.SoftmaxCollapseMonitor(
            (np.ones((2, 3), "float32"), np.array([0, 1])), check_every=2,
            warn_above=0.3, stop_above=0.9, measure_alignment=False)
        revived = self.run_serialization_test(monitor)
        self.assertAllClose(revived.probe_data[0], monitor.probe_data[0])

    def test_basics(self):
        model, kernel = linear_classifier(1.0)
        x, y = probe(kernel)
        seen = self.run_callback_test(
            kerastricks.callbacks.SoftmaxCollapseMonitor((x, y)), model, x, y,
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            expected_log_keys=("softmax_collapse", "zero_loss_fraction",
                               "nlm_alignment"))
        self.assertEqual(seen["softmax_collapse"], 0.0)

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(2)
        logits = (rng.normal(size=(32, 5)) * rng.uniform(0, 40, (32, 1)))
        logits = logits.astype("float32")
        labels = np.argmax(logits, axis=1)
        labels[::4] = 0
        expected = reference.np_softmax_collapse(logits, labels)
        actual = kerastricks.ops.softmax_collapse(logits, labels)
        self.assertAllEqual(actual, expected)
        self.assertTrue(0 < expected[0].mean() < 1)

    def test_alignment_matches_the_numpy_gradient(self):
        model, kernel = linear_classifier(0.5)
        x, y = probe(kernel)
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True))
        monitor = kerastricks.callbacks.SoftmaxCollapseMonitor((x, y))
        monitor.set_model(model)
        logits = x @ kernel
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        gradient = x.T @ (p - np.eye(3)[y]) / len(x)
        expected = -np.sum(gradient * kernel) / (
            np.linalg.norm(gradient) * np.linalg.norm(kernel))
        self.assertAllClose(monitor.measure()["nlm_alignment"], expected,
                            atol=1e-4, rtol=1e-3)
        self.assertGreater(expected, 0.5)  # fitted: descent scales w up

    def test_triggers_on_huge_logits_and_stays_quiet_otherwise(self):
        for scale, should_fire in ((1.0, False), (200.0, True)):
            model, kernel = linear_classifier(scale)
            x, y = probe(kernel)
            model.compile(optimizer=keras.optimizers.SGD(1e-6),
                          loss=keras.losses.SparseCategoricalCrossentropy(
                              from_logits=True))
            monitor = kerastricks.callbacks.SoftmaxCollapseMonitor(
                (x, y), stop_above=0.9, measure_alignment=False)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                history = model.fit(x, y, epochs=3, verbose=0,
                                    callbacks=[monitor])
            collapse = history.history["softmax_collapse"]
            fired = [w for w in caught if "Softmax Collapse" in str(w.message)]
            self.assertEqual(len(fired), 1 if should_fire else 0)
            self.assertEqual(len(collapse), 1 if should_fire else 3)
            self.assertEqual(collapse[0] >= 0.9, should_fire)
