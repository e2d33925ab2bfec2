import os

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import weight_normalization as reference


def _numpy(value):
    return keras.ops.convert_to_numpy(value)


class WeightNormalizationTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "Conv2DTranspose"):
            kerastricks.layers.WeightNormalization(
                keras.layers.Conv2DTranspose(2, 3))
        with self.assertRaisesRegex(ValueError, "DepthwiseConv2D"):
            kerastricks.layers.WeightNormalization(
                keras.layers.DepthwiseConv2D(3))
        with self.assertRaisesRegex(TypeError, "data_init=1"):
            kerastricks.layers.WeightNormalization(keras.layers.Dense(2),
                                                   data_init=1)
        lora = keras.layers.Dense(2)
        lora.build((None, 3))
        lora.enable_lora(1)
        with self.assertRaisesRegex(ValueError, "LoRA"):
            kerastricks.layers.WeightNormalization(lora)

    def test_config(self):
        revived = self.run_serialization_test(
            kerastricks.layers.WeightNormalization(
                keras.layers.Conv1D(3, 2, padding="causal"),
                data_init=False))
        self.assertFalse(revived.data_init)
        self.assertEqual(revived.layer.padding, "causal")

    def test_functional_matches_numpy(self):
        rng = np.random.default_rng(0)
        v = rng.normal(size=(3, 3, 2, 4)).astype("float32")
        g = rng.uniform(0.5, 2.0, size=4).astype("float32")
        self.assertAllClose(kerastricks.ops.weight_normalize(v, g),
                            reference.np_weight_normalize(v, g),
                            atol=1e-6, rtol=1e-5)
        t = rng.normal(2.0, 3.0, size=(2, 5, 4, 3)).astype("float32")
        for axis in (-1, 1):
            self.assertAllClose(
                kerastricks.ops.weight_normalization_data_init(t, axis),
                reference.np_data_init(t, axis), atol=1e-6, rtol=1e-5)

    def test_correctness_against_reference(self):
        # Dense: the wrapped layer's own function until the first training
        # call, which sets g and the bias from that batch (once).
        rng = np.random.default_rng(0)
        x = rng.normal(1.0, 3.0, size=(16, 5)).astype("float32")
        layer = kerastricks.layers.WeightNormalization(keras.layers.Dense(4))
        before = layer(x)
        v, bias = _numpy(layer.layer.kernel), _numpy(layer.layer.bias)
        self.assertAllClose(before, x @ v + bias, atol=1e-5, rtol=1e-5)

        initialized = layer(x, training=True)
        t = x @ reference.np_weight_normalize(v, np.ones(4))
        g, b = reference.np_data_init(t)
        self.assertAllClose(initialized, reference.np_dense(x, v, g, b),
                            atol=1e-5, rtol=1e-5)
        self.assertAllClose(np.mean(_numpy(initialized), axis=0),
                            np.zeros(4), atol=1e-5)
        self.assertAllClose(np.var(_numpy(initialized), axis=0), np.ones(4),
                            atol=1e-5, rtol=1e-5)
        layer(2.0 * x + 1.0, training=True)
        self.assertAllClose(layer(x), initialized, atol=1e-5, rtol=1e-5)

    def test_convolutions_match_plain_layers(self):
        # Without data init: a plain layer whose kernel is g v / ||v||.
        rng = np.random.default_rng(1)
        cases = (
            (keras.layers.Conv1D, (2, 7, 3),
             {"padding": "causal", "dilation_rate": 2}),
            (keras.layers.Conv2D, (2, 3, 6, 5),
             {"strides": 2, "data_format": "channels_first"}),
            (keras.layers.Conv3D, (2, 4, 4, 4, 2), {"padding": "same"}),
        )
        for cls, shape, options in cases:
            x = rng.normal(size=shape).astype("float32")
            wrapped = kerastricks.layers.WeightNormalization(
                cls(4, 3, activation="tanh", **options), data_init=False)
            wrapped.build(shape)
            g = rng.uniform(0.5, 2.0, size=4).astype("float32")
            wrapped.g.assign(g)
            plain = cls(4, 3, activation="tanh", **options)
            plain.build(shape)
            plain.set_weights([
                reference.np_weight_normalize(
                    _numpy(wrapped.layer.kernel), g).astype("float32"),
                _numpy(wrapped.layer.bias)])
            self.assertAllClose(wrapped(x, training=True), plain(x),
                                atol=1e-5, rtol=1e-5, msg=cls.__name__)

    def test_data_init_in_compiled_fit_survives_saving(self):
        # The first batch of a jit-compiled fit (SGD with a zero rate, so
        # only the initialization changes weights) normalizes the
        # pre-activations; the flag stops a second initialization after a
        # `.keras` round trip.
        rng = np.random.default_rng(2)
        x = rng.normal(1.0, 3.0, size=(8, 5)).astype("float32")
        model = keras.Sequential([
            keras.Input((5,)),
            kerastricks.layers.WeightNormalization(keras.layers.Dense(3)),
        ])
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse",
                      jit_compile=testing.JIT_COMPILE)
        model.fit(x, np.zeros((8, 3)), batch_size=8, verbose=0)
        outputs = model.predict(x, verbose=0)
        self.assertAllClose(np.mean(outputs, axis=0), np.zeros(3), atol=1e-5)
        self.assertAllClose(np.var(outputs, axis=0), np.ones(3), atol=1e-5,
                            rtol=1e-5)
        path = os.path.join(self.make_temp_dir(), "model.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        self.assertEqual(int(_numpy(loaded.layers[0].initialized)), 1)
        loaded.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse",
                       jit_compile=testing.JIT_COMPILE)
        loaded.fit(5.0 * x, np.zeros((8, 3)), batch_size=8, verbose=0)
        self.assertAllClose(loaded.predict(x, verbose=0), outputs,
                            atol=1e-5, rtol=1e-5)
