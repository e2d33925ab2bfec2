import json
import os

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import opposing_signals as reference

GROUP_SIZE = 16


def planted_data(planted, num_examples=192, features=8, classes=4):
    """Four weakly separated classes. With `planted`, 16 examples of class 0
    and 16 of class 1 share one large extra feature (a "background"), an
    opposing signal: it points to class 0 in one group, to class 1 in the
    other."""
    rng = np.random.default_rng(0)
    y = np.arange(num_examples) % classes
    centres = rng.normal(size=(classes, features))
    x = 0.7 * centres[y] + rng.normal(size=(num_examples, features))
    x = np.concatenate([x, np.zeros((num_examples, 1))], axis=1)
    group_a = np.flatnonzero(y == 0)[:GROUP_SIZE]
    group_b = np.flatnonzero(y == 1)[:GROUP_SIZE]
    if planted:
        x[group_a, -1] = 12.0
        x[group_b, -1] = 12.0
    return x.astype("float32"), y, set(group_a), set(group_b)


def mlp():
    """Seeded NumPy weights, so every backend follows the same path."""
    model = keras.Sequential([
        keras.Input((9,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(4),
    ])
    rng = np.random.default_rng(1)
    model.set_weights([
        rng.uniform(-1, 1, size=w.shape).astype("float32")
        * np.sqrt(3.0 / w.shape[0]) if w.ndim == 2
        else np.zeros(w.shape, "float32")
        for w in model.get_weights()
    ])
    return model


def train_with_monitor(planted, steps=25, **kwargs):
    x, y, group_a, group_b = planted_data(planted)
    model = mlp()
    # Full-batch gradient descent at a large step, as in the paper.
    model.compile(optimizer=keras.optimizers.SGD(0.2),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    monitor = kerastricks.callbacks.OpposingSignalsMonitor(
        (x, y), top_k=8, **kwargs)
    history = model.fit(x, y, epochs=steps, batch_size=len(x),
                        shuffle=False, verbose=0, callbacks=[monitor])
    return monitor, history, group_a, group_b


class OpposingSignalsMonitorTest(testing.TestCase):
    def test_invalid_args(self):
        monitor = kerastricks.callbacks.OpposingSignalsMonitor
        data = (np.ones((10, 3)), np.zeros(10))
        with self.assertRaisesRegex(ValueError, "tuple"):
            monitor(np.ones((10, 3)))
        with self.assertRaisesRegex(ValueError, "top_k=6"):
            monitor(data, top_k=6)
        with self.assertRaisesRegex(ValueError, "frequency=0"):
            monitor(data, top_k=2, frequency=0)
        with self.assertRaisesRegex(TypeError, "num_pairs=1.5"):
            monitor(data, top_k=2, num_pairs=1.5)
        with self.assertRaisesRegex(TypeError, "loss_fn='mse!'"):
            monitor(data, top_k=2, loss_fn="mse!")
        with self.assertRaisesRegex(TypeError, "report_path=3"):
            monitor(data, top_k=2, report_path=3)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(optimizer="sgd")  # no loss to read examples with
        with self.assertRaisesRegex(ValueError, "one per-example loss"):
            model.fit(data[0], data[1], verbose=0,
                      callbacks=[monitor(data, top_k=2)])

    def test_config(self):
        self.run_serialization_test(
            kerastricks.callbacks.OpposingSignalsMonitor(
                (np.ones((4, 3), "float32"), np.array([0, 1, 0, 1])),
                top_k=2, frequency=3, num_pairs=2,
                loss_fn=keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True),
                batch_size=8, report_path="report.json"))

    def test_basics(self):
        x, y = testing.problems.blobs(num_examples=16)
        monitor = kerastricks.callbacks.OpposingSignalsMonitor(
            (x, y), top_k=3, frequency=2, loss_fn="sparse_categorical_"
            "crossentropy")
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                                  keras.layers.Softmax()])
        logs = self.run_callback_test(
            monitor, model, x, y, "sparse_categorical_crossentropy",
            epochs=4, expected_log_keys=("opposing_signals_strength",))
        self.assertBetween(logs["opposing_signals_strength"], 0.0, 1.0)
        report = monitor.report()
        self.assertEqual(report["steps"], [0, 2, 4])
        self.assertLen(report["strength"], 3)
        self.assertLen(monitor.history, 2)

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(0)
        for _ in range(3):
            change = rng.normal(size=40)
            increased, decreased, strength = kerastricks.ops.opposing_signals(
                change, 5)
            up, down, expected = reference.np_opposing_signals(change, 5)
            self.assertEqual(set(np.asarray(increased).tolist()), up)
            self.assertEqual(set(np.asarray(decreased).tolist()), down)
            self.assertAllClose(strength, expected, atol=1e-6, rtol=1e-5)
        # A step that lowers every loss has no opposing signal.
        self.assertAllClose(
            kerastricks.ops.opposing_signals(-np.abs(change), 5)[2], 0.0)

    def test_finds_the_planted_opposing_pair(self):
        path = os.path.join(self.make_temp_dir(), "report.json")
        monitor, history, group_a, group_b = train_with_monitor(
            True, report_path=path)
        with open(path) as handle:
            report = json.load(handle)
        strongest = report["pairs"][0]
        first, second = (set(g["indices"]) for g in strongest["groups"])
        # Exactly the two planted groups, one on each side.
        self.assertTrue((first <= group_a and second <= group_b)
                        or (first <= group_b and second <= group_a),
                        (first, second))
        self.assertGreaterEqual(min(len(first), len(second)), 4)
        # Their losses oscillate: the groups keep swapping roles.
        self.assertGreaterEqual(strongest["swaps"], 5)
        labels = {tuple(sorted(set(g["labels"])))
                  for g in strongest["groups"]}
        self.assertEqual(labels, {(0,), (1,)})
        self.assertLen(strongest["groups"][0]["loss"][0],
                       len(report["steps"]))
        self.assertIn("opposing_signals_strength", history.history)

        quiet, _, _, _ = train_with_monitor(False)
        planted = max(c["strength"] for c in monitor.history)
        control = max(c["strength"] for c in quiet.history)
        self.assertLess(control, 0.5 * planted, (control, planted))
        self.assertEqual(quiet.report()["pairs"][0]["swaps"], 0)

    def test_mixed_precision(self):
        x, y, _, _ = planted_data(True)
        with testing.dtype_policy("mixed_bfloat16"):
            model = mlp()
            model.compile(optimizer="sgd", loss=keras.losses.
                          SparseCategoricalCrossentropy(from_logits=True),
                          jit_compile="auto")
            monitor = kerastricks.callbacks.OpposingSignalsMonitor(
                (x, y), top_k=8)
            model.fit(x, y, epochs=2, batch_size=64, verbose=0,
                      callbacks=[monitor])
        self.assertLen(monitor.history, 6)
        for check in monitor.history:
            self.assertBetween(check["strength"], 0.0, 1.0)
