import os

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import training_instability as reference

_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(3, 5, 8)).astype("float32")
_Y = _RNG.integers(0, 7, size=(3, 5))


def attention_model():
    """MultiHeadAttention (causal) -> qk-layernorm attention -> logits."""
    inputs = keras.Input((5, 8))
    first = keras.layers.MultiHeadAttention(
        2, 4, name="plain", bias_initializer="random_normal")(
        inputs, inputs, use_causal_mask=True)
    second = kerastricks.layers.QKNormMultiHeadAttention(
        2, 4, name="normed", bias_initializer="random_normal")(first, first)
    outputs = keras.layers.Dense(7, name="head")(second)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.
                  SparseCategoricalCrossentropy(from_logits=True))
    return model, keras.Model(inputs, first)


def np_layer_norm(x, norm):
    gamma, beta = (np.asarray(w) for w in norm.get_weights())
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + norm.epsilon) * gamma + beta


def np_projection(x, dense):
    kernel, bias = (np.asarray(w) for w in dense.get_weights())
    return np.einsum("btf,fhd->bthd", x, kernel) + bias


class InstabilityMonitorTest(testing.TestCase):
    def test_invalid_args(self):
        monitor_cls = kerastricks.callbacks.InstabilityMonitor
        with self.assertRaisesRegex(TypeError, "probe_inputs=None"):
            monitor_cls(None)
        with self.assertRaisesRegex(ValueError, "sizes \\[0\\]"):
            monitor_cls(np.zeros((0, 3)))
        with self.assertRaisesRegex(ValueError, "frequency=0"):
            monitor_cls(_X, frequency=0)
        with self.assertRaisesRegex(ValueError, "unit='batch'"):
            monitor_cls(_X, unit="batch")
        with self.assertRaisesRegex(TypeError, "plot_path=1"):
            monitor_cls(_X, plot_path=1)

    def test_config(self):
        self.run_serialization_test(kerastricks.callbacks.InstabilityMonitor(
            _X[:1], frequency=2, unit="step", measure_output_log_z=False))

    def test_correctness_against_reference(self):
        model, first = attention_model()
        monitor = kerastricks.callbacks.InstabilityMonitor(_X)
        monitor.set_model(model)
        measured = monitor.measure()

        plain = model.get_layer("plain")
        logits = reference.np_attention_logits(
            _X, _X, *plain.query_dense.get_weights()[:1],
            plain.key_dense.get_weights()[0],
            plain.query_dense.get_weights()[1],
            plain.key_dense.get_weights()[1])
        self.assertAllClose(measured["max_attention_logit/plain"],
                            reference.np_max_abs_logit(logits, causal=True),
                            atol=1e-5, rtol=1e-5)  # float32 einsums

        normed = model.get_layer("normed")
        hidden = keras.ops.convert_to_numpy(first(_X))
        q = np_layer_norm(np_projection(hidden, normed.query_dense),
                          normed.query_norm)
        k = np_layer_norm(np_projection(hidden, normed.key_dense),
                          normed.key_norm)
        logits = np.einsum("bthd,bshd->bhts", q, k) / 2.0  # sqrt(key_dim)
        self.assertAllClose(measured["max_attention_logit/normed"],
                            reference.np_max_abs_logit(logits),
                            atol=1e-5, rtol=1e-5)

        outputs = keras.ops.convert_to_numpy(model(_X))
        self.assertAllClose(measured["output_log_z"],
                            reference.np_mean_log_z(outputs),
                            atol=1e-5, rtol=1e-5)
        # The probe pass leaves the layers' own `call` in place.
        self.assertNotIn("call", vars(plain))
        self.assertNotIn("call", vars(normed))

    def test_logs_history_and_plot(self):
        model, _ = attention_model()
        path = os.path.join(self.make_temp_dir(), "curves.png")
        monitor = kerastricks.callbacks.InstabilityMonitor(
            _X, frequency=2, unit="step", plot_path=path)
        history = model.fit(_X, _Y, epochs=4, batch_size=3, verbose=0,
                            callbacks=[monitor])
        self.assertEqual(monitor.history["step"], [2, 4])
        for key in ("max_attention_logit/plain",
                    "max_attention_logit/normed", "output_log_z"):
            self.assertLen(monitor.history[key], 2)
            # The epoch logs carry the latest step measurement.
            self.assertEqual(history.history[key][-1],
                             monitor.history[key][-1])
        self.assertGreater(os.path.getsize(path), 1000)

    def test_probability_outputs_are_rejected(self):
        model = keras.Sequential([keras.Input((5, 8)),
                                  keras.layers.Dense(3,
                                                     activation="softmax")])
        model.compile(optimizer="sgd", loss="mse")
        monitor = kerastricks.callbacks.InstabilityMonitor(_X)
        with self.assertRaisesRegex(ValueError, "logits"):
            model.fit(_X, np.zeros((3, 5, 3)), verbose=0,
                      callbacks=[monitor])
