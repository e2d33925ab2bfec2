import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import soft_equivariance as reference

# The penalty of a model in float32 against the float64 reference.
TOLERANCE = {"atol": 1e-6, "rtol": 1e-5}


def _images(batch=3, size=8, channels=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, size, size, channels)).astype("float32")


def _pointwise(pool=True):
    # 1x1 convolutions commute with every permutation of the pixels; the
    # global average then forgets where a pixel was: exactly invariant.
    layers = [keras.Input((8, 8, 2)),
              keras.layers.Conv2D(4, 1, activation="tanh"),
              keras.layers.Conv2D(3, 1)]
    if pool:
        layers.append(keras.layers.GlobalAveragePooling2D())
    return keras.Sequential(layers)


def _conv_net():
    return keras.Sequential([
        keras.Input((8, 8, 2)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(3),
    ])


def _as_numpy(model):
    return lambda array: keras.ops.convert_to_numpy(
        model(array.astype("float32")))


class EquivariancePenaltyTest(testing.TestCase):
    def test_zero_for_an_invariant_model(self):
        model, x = _pointwise(), _images()
        for group in ("dihedral", "translations"):
            value = kerastricks.ops.equivariance_penalty(model, x,
                                                         group=group)
            self.assertLess(float(value), 1e-12, group)

    def test_zero_for_an_equivariant_feature_map(self):
        model, x = _pointwise(pool=False), _images()
        value = kerastricks.ops.equivariance_penalty(
            model, x, group="translations", output_action="equivariant")
        self.assertLess(float(value), 1e-12)
        # The same feature maps are not invariant.
        value = kerastricks.ops.equivariance_penalty(model, x,
                                                     group="translations")
        self.assertGreater(float(value), 1e-3)

    def test_positive_for_a_conv_net_and_equal_to_the_reference(self):
        model, x = _conv_net(), _images()
        value = float(kerastricks.ops.equivariance_penalty(model, x))
        expected = reference.np_equivariance_penalty(_as_numpy(model), x,
                                                     "dihedral")
        self.assertGreater(value, 1e-3)
        self.assertAllClose(value, expected, **TOLERANCE)

    def test_equivariant_output_action_against_the_reference(self):
        model = keras.Sequential([keras.Input((8, 8, 2)),
                                  keras.layers.Conv2D(2, 3, padding="same")])
        x = _images()
        value = kerastricks.ops.equivariance_penalty(
            model, x, group="dihedral", output_action="equivariant")
        expected = reference.np_equivariance_penalty(
            _as_numpy(model), x, "dihedral", output_action="equivariant")
        self.assertAllClose(value, expected, **TOLERANCE)

    def test_signals_of_one_axis(self):
        dense = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
        x = _images()[:, 0, :5, 0]
        value = kerastricks.ops.equivariance_penalty(dense, x, group="flips")
        expected = reference.np_equivariance_penalty(_as_numpy(dense), x,
                                                     "flips")
        self.assertAllClose(value, expected, **TOLERANCE)

    def test_invalid_calls(self):
        dense = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
        with self.assertRaisesRegex(ValueError, "2 spatial axes"):
            kerastricks.ops.equivariance_penalty(dense, np.ones((2, 5)))
        with self.assertRaisesRegex(ValueError, "group='mirror'"):
            kerastricks.ops.equivariance_penalty(dense, np.ones((2, 5)),
                                                 group="mirror")
        with self.assertRaisesRegex(ValueError, "outputs of shape"):
            kerastricks.ops.equivariance_penalty(
                dense, np.ones((2, 5)), group="flips",
                output_action="equivariant")


class SoftEquivarianceTest(testing.TestCase):
    def test_invalid_args(self):
        make = kerastricks.models.SoftEquivariance
        inner = _conv_net()
        with self.assertRaisesRegex(ValueError, "group='mirror'"):
            make(inner, group="mirror")
        with self.assertRaisesRegex(ValueError, "weight=-1"):
            make(inner, weight=-1.0)
        with self.assertRaisesRegex(ValueError, "one per group"):
            make(inner, group=["dihedral", "translations"], weight=[1.0])
        with self.assertRaisesRegex(TypeError, "max_shift=1.5"):
            make(inner, group="translations", max_shift=1.5)

    def test_loss_adds_the_weighted_penalties(self):
        # SGD(0) keeps the weights: the logged loss is the task loss plus
        # each weight times its penalty, recomputed here from the reference.
        x, y = _images(batch=2), np.arange(2) % 3
        inner = _conv_net()
        model = kerastricks.models.SoftEquivariance(
            inner, group=["dihedral", "translations"], weight=[0.5, 2.0],
            max_shift=2)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss=loss)
        logs = model.train_on_batch(x, y, return_dict=True)
        fn = _as_numpy(inner)
        expected = (float(loss(y, inner(x)))
                    + 0.5 * reference.np_equivariance_penalty(fn, x,
                                                              "dihedral")
                    + 2.0 * reference.np_equivariance_penalty(
                        fn, x, "translations", max_shift=2))
        self.assertAllClose(logs["loss"], expected, atol=1e-5, rtol=1e-5)
