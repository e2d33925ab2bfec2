import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import layers as reference


class GroupGeneralizedMeanPoolingTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.GroupGeneralizedMeanPooling
        with self.assertRaisesRegex(ValueError, "groups=0"):
            layer_cls(groups=0)
        with self.assertRaisesRegex(ValueError, "p_initializer=-1"):
            layer_cls(p_initializer=-1.0)
        with self.assertRaisesRegex(ValueError, "epsilon=inf"):
            layer_cls(epsilon=float("inf"))
        with self.assertRaisesRegex(TypeError, "groups=True"):
            layer_cls(groups=True)
        with self.assertRaisesRegex(ValueError, r"channels=6\), groups=4"):
            layer_cls(groups=4)(np.ones((2, 3, 6), "float32"))
        with self.assertRaisesRegex(ValueError, "rank 3"):
            layer_cls(groups=1)(np.ones((2, 6), "float32"))

    def test_config(self):
        self.run_serialization_test(
            kerastricks.layers.GroupGeneralizedMeanPooling(
                groups=3, p_initializer=2.0, epsilon=1e-5,
                data_format="channels_first")
        )

    def test_basics(self):
        rng = np.random.default_rng(0)
        for shape in ((2, 5, 6), (2, 3, 4, 6)):
            self.run_layer_test(
                kerastricks.layers.GroupGeneralizedMeanPooling,
                {"groups": 3},
                rng.uniform(size=shape).astype("float32"),
                expected_output_shape=(2, 6),
                expected_num_trainable_weights=1,
                expected_num_non_trainable_weights=0,
            )

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(2, 4, 3, 6)).astype("float32")
        layer = kerastricks.layers.GroupGeneralizedMeanPooling(groups=3)
        layer.build(x.shape)
        p = np.array([1.0, 2.5, 4.0], "float32")
        layer.p.assign(p)
        self.assertAllClose(layer(x),
                            reference.np_group_generalized_mean_pooling(x, p),
                            rtol=1e-5, atol=1e-6)
        channels_first = kerastricks.layers.GroupGeneralizedMeanPooling(
            groups=3, data_format="channels_first")
        channels_first.build((2, 6, 4, 3))
        channels_first.p.assign(p)
        self.assertAllClose(channels_first(np.transpose(x, (0, 3, 1, 2))),
                            reference.np_group_generalized_mean_pooling(x, p),
                            rtol=1e-5, atol=1e-6)

    def test_p_one_is_average_and_large_p_approaches_max(self):
        x = np.random.default_rng(2).uniform(0.1, 1.0, size=(2, 7, 4))
        x = x.astype("float32")
        layer = kerastricks.layers.GroupGeneralizedMeanPooling(groups=2)
        layer.build(x.shape)
        layer.p.assign(np.ones(2, "float32"))
        self.assertAllClose(layer(x), x.mean(axis=1), rtol=1e-5)
        layer.p.assign(np.full(2, 200.0, "float32"))
        self.assertAllClose(layer(x), x.max(axis=1), rtol=0.02)

    def test_gradients_reach_each_group_exponent(self):
        # SGD probe: one step with learning rate 1 moves p by -dL/dp.
        x = np.random.default_rng(3).uniform(0.1, 2.0, size=(4, 5, 4))
        inputs = keras.Input((5, 4))
        model = keras.Model(
            inputs,
            kerastricks.layers.GroupGeneralizedMeanPooling(groups=2)(inputs))
        model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
        model.train_on_batch(x.astype("float32"), np.zeros((4, 4)))
        p = keras.ops.convert_to_numpy(model.layers[-1].p)
        self.assertTrue(np.all(np.abs(p - 3.0) > 1e-6), p)

    def test_dead_channel_with_large_p_stays_finite(self):
        # A channel that ReLU zeroed everywhere is clamped to epsilon, and
        # epsilon ** 10 = 1e-60 underflows float32: the output must still be
        # epsilon and one training step must keep p and the weights finite,
        # as with plain average pooling.
        rng = np.random.default_rng(4)
        x = rng.uniform(0.1, 2.0, size=(4, 5, 4)).astype("float32")
        x[..., 0] = 0.0   # one dead channel in each group of two
        x[..., 2] = -3.0
        y = rng.normal(size=(4, 2)).astype("float32")
        for pooling in (keras.layers.GlobalAveragePooling1D(),
                        kerastricks.layers.GroupGeneralizedMeanPooling(
                            groups=2, p_initializer=10.0)):
            inputs = keras.Input((5, 4))
            pooled = pooling(inputs)
            model = keras.Model(inputs, keras.layers.Dense(2)(pooled))
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
            model.train_on_batch(x, y)
            for weight in model.get_weights():
                self.assertTrue(np.all(np.isfinite(weight)), msg=str(pooling))
        p = keras.ops.convert_to_numpy(pooling.p)
        self.assertTrue(np.all(p != 10.0), p)  # the step did move p
        pooled = keras.ops.convert_to_numpy(pooling(x))
        self.assertAllClose(pooled[:, [0, 2]], np.full((4, 2), 1e-6),
                            rtol=1e-5)
        # The live channels match the NumPy power mean in float64.
        clamped = np.maximum(x.astype("float64"), 1e-6)
        exponent = np.repeat(p.astype("float64"), 2)
        expected = np.mean(clamped**exponent, axis=1) ** (1.0 / exponent)
        self.assertAllClose(pooled[:, [1, 3]], expected[:, [1, 3]],
                            rtol=1e-5)

    def test_large_p_matches_float64_power_mean(self):
        x = np.random.default_rng(5).uniform(1e-3, 1e3, size=(2, 6, 4))
        layer = kerastricks.layers.GroupGeneralizedMeanPooling(groups=2)
        layer.build(x.shape)
        exponents = np.array([0.5, 40.0])
        layer.p.assign(exponents.astype("float32"))
        exponent = np.repeat(exponents, 2)
        expected = np.mean(x**exponent, axis=1) ** (1.0 / exponent)
        self.assertAllClose(layer(x.astype("float32")), expected, rtol=1e-5)
