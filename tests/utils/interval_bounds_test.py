import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import interval_bounds as reference

TOLERANCE = {"atol": 1e-5, "rtol": 1e-5}  # float32 sums against float64


def _randomize(model, seed):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(scale=0.7, size=w.shape).astype("float32")
                       if "variance" not in w.path
                       else rng.uniform(0.5, 2.0, w.shape).astype("float32")
                       for w in model.weights])
    return model


def _mlp():
    return _randomize(keras.Sequential([
        keras.Input((5,)),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(4),
        keras.layers.ReLU(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(3),
    ]), seed=1)


def _convnet():
    inputs = keras.Input((6, 6, 2))
    hidden = keras.layers.Conv2D(3, 3, strides=1, activation="relu")(inputs)
    hidden = keras.layers.BatchNormalization()(hidden)
    hidden = keras.layers.Conv2D(2, 2, strides=2)(hidden)
    hidden = keras.layers.Activation("relu")(hidden)
    hidden = keras.layers.Flatten()(hidden)
    return _randomize(keras.Model(inputs, keras.layers.Dense(3)(hidden)),
                      seed=2)


def _reference_mlp(model, lower, upper):
    dense_1, norm, dense_2, _, _, dense_3 = model.layers
    lower, upper = reference.np_relu(*reference.np_dense(
        lower, upper, *[np.asarray(w) for w in dense_1.get_weights()]))
    gamma, beta, mean, variance = norm.get_weights()
    lower, upper = reference.np_batch_norm(lower, upper, gamma, beta, mean,
                                           variance, norm.epsilon)
    lower, upper = reference.np_relu(*reference.np_dense(
        lower, upper, *dense_2.get_weights()))
    return reference.np_dense(lower, upper, *dense_3.get_weights())


def _reference_convnet(model, lower, upper):
    _, conv_1, norm, conv_2, _, _, dense = model.layers
    lower, upper = reference.np_relu(*reference.np_conv2d_valid(
        lower, upper, *conv_1.get_weights()))
    gamma, beta, mean, variance = norm.get_weights()
    lower, upper = reference.np_batch_norm(lower, upper, gamma, beta, mean,
                                           variance, norm.epsilon)
    lower, upper = reference.np_relu(*reference.np_conv2d_valid(
        lower, upper, *conv_2.get_weights(), stride=2))
    return reference.np_dense(lower.reshape(len(lower), -1),
                              upper.reshape(len(upper), -1),
                              *dense.get_weights())


class IntervalBoundsTest(testing.TestCase):
    def test_invalid_args(self):
        model = _mlp()
        x = np.zeros((1, 5), "float32")
        with self.assertRaisesRegex(ValueError, "epsilon=-0.1"):
            kerastricks.utils.interval_bounds(model, x, -0.1)
        with self.assertRaisesRegex(TypeError, "model of type str"):
            kerastricks.utils.interval_bounds("mlp", x, 0.1)
        with self.assertRaisesRegex(TypeError, "clip_min='0'"):
            kerastricks.utils.interval_bounds(model, x, 0.1, clip_min="0")

    def test_unsupported_layers_are_named(self):
        x = np.zeros((1, 4), "float32")
        norm = keras.Sequential([keras.Input((4,)),
                                 keras.layers.LayerNormalization(name="ln"),
                                 keras.layers.Dense(2)])
        with self.assertRaisesRegex(
                ValueError, "layer 'ln' of type LayerNormalization"):
            kerastricks.utils.interval_bounds(norm, x, 0.1)
        gelu = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
            2, activation="gelu", name="head")])
        with self.assertRaisesRegex(
                ValueError, "layer 'head' with activation 'gelu'"):
            kerastricks.utils.interval_bounds(gelu, x, 0.1)
        inputs = keras.Input((4,))
        branch = keras.layers.Dense(4, name="branch")(inputs)
        merged = keras.layers.Add(name="merge")([inputs, branch])
        with self.assertRaisesRegex(ValueError, "layer 'merge' of model"):
            kerastricks.utils.interval_bounds(keras.Model(inputs, merged),
                                              x, 0.1)

    def test_equal_to_the_interval_arithmetic_reference(self):
        rng = np.random.default_rng(3)
        for make, reference_fn, shape in (
                (_mlp, _reference_mlp, (4, 5)),
                (_convnet, _reference_convnet, (2, 6, 6, 2))):
            model = make()
            x = rng.normal(size=shape).astype("float32")
            lower, upper = kerastricks.utils.interval_bounds(model, x, 0.1)
            expected = reference_fn(model, x - 0.1, x + 0.1)
            self.assertAllClose(lower, expected[0], **TOLERANCE)
            self.assertAllClose(upper, expected[1], **TOLERANCE)

    def test_bounds_contain_every_perturbed_output(self):
        # The defining guarantee: any input within epsilon (L-infinity)
        # gives outputs inside the bounds, including the ball's corners.
        rng = np.random.default_rng(4)
        for make, shape in ((_mlp, (5,)), (_convnet, (6, 6, 2))):
            model = make()
            x = rng.normal(size=(1,) + shape).astype("float32")
            lower, upper = (keras.ops.convert_to_numpy(bound) for bound in
                            kerastricks.utils.interval_bounds(model, x, 0.2))
            noise = rng.uniform(-0.2, 0.2, size=(500,) + shape)
            noise[:100] = 0.2 * np.sign(noise[:100])       # corners
            outputs = keras.ops.convert_to_numpy(model(
                (x + noise).astype("float32"), training=False))
            self.assertTrue(np.all(outputs >= lower - 1e-5))
            self.assertTrue(np.all(outputs <= upper + 1e-5))
            self.assertTrue(np.all(upper - lower > 0))

    def test_exact_for_one_linear_layer_and_clipped_inputs(self):
        # One affine layer: the corner x + eps * sign(w) attains the upper
        # bound, so IBP is exact there; clipping shrinks the input box.
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        kernel = np.array([[1.0, -2.0], [0.5, 0.0], [-1.0, 3.0]], "float32")
        model.set_weights([kernel, np.array([0.1, -0.2], "float32")])
        x = np.array([[0.05, 0.5, 0.95]], "float32")
        lower, upper = kerastricks.utils.interval_bounds(model, x, 0.1)
        corner = x + 0.1 * np.sign(kernel.T)
        self.assertAllClose(upper[0], np.diag(keras.ops.convert_to_numpy(
            model(corner))), **TOLERANCE)
        clipped = kerastricks.utils.interval_bounds(model, x, 0.1,
                                                    clip_min=0.0,
                                                    clip_max=1.0)
        expected = reference.np_dense(np.clip(x - 0.1, 0, 1),
                                      np.clip(x + 0.1, 0, 1), kernel,
                                      [0.1, -0.2])
        self.assertAllClose(clipped[0], expected[0], **TOLERANCE)
        self.assertAllClose(clipped[1], expected[1], **TOLERANCE)

    def test_worst_case_logits_and_schedule(self):
        lower = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], "float32")
        upper = lower + 10.0
        expected = [[0.0, 11.0, 12.0], [13.0, 14.0, 5.0]]
        self.assertAllClose(kerastricks.ops.worst_case_logits(
            lower, upper, np.array([0, 2])), expected)
        self.assertAllClose(kerastricks.ops.worst_case_logits(
            lower, upper, np.eye(3, dtype="float32")[[0, 2]]), expected)
        self.assertAllClose(
            [float(kerastricks.ops.ramp_fraction(step, 2, 4))
             for step in (0, 2, 3, 6, 9)], [0.0, 0.0, 0.25, 1.0, 1.0])
