import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import frame_averaging as reference

_POINTS = 12


def _clouds(seed):
    rng = np.random.default_rng(seed)
    # Well separated covariance eigenvalues (9, 4, 1): a well-defined frame.
    return np.stack([reference.separated_cloud(rng, _POINTS, [3.0, 2.0, 1.0])
                     + rng.normal(size=3) for _ in range(2)]).astype(
                         "float32")


def _encoder(outputs=4, pool=True):
    layers = [keras.Input((_POINTS, 3)),
              keras.layers.Dense(8, activation="tanh"),
              keras.layers.Dense(outputs)]
    if pool:
        layers.append(keras.layers.GlobalMaxPooling1D())
    return keras.Sequential(layers)


def _moved(x, rotation, translation):
    return (x @ rotation.T + translation).astype("float32")


def _numpy(value):
    return keras.ops.convert_to_numpy(value)


class FrameAveragingTest(testing.TestCase):
    def test_invalid_args(self):
        layer_cls = kerastricks.layers.FrameAveraging
        with self.assertRaisesRegex(ValueError, "mode='rotate'"):
            layer_cls(_encoder(), mode="rotate")
        with self.assertRaisesRegex(ValueError, "group='E\\(3\\)'"):
            layer_cls(_encoder(), group="E(3)")
        with self.assertRaisesRegex(ValueError, r"last axis 3.*\(2, 4\)"):
            layer_cls(_encoder(), mode="equivariant")(_clouds(0))
        with self.assertRaisesRegex(ValueError, "rank 3"):
            layer_cls(keras.layers.Dense(2))(np.ones((2, 3), "float32"))

    def test_config(self):
        revived = self.run_serialization_test(
            kerastricks.layers.FrameAveraging(
                _encoder(3, pool=False), mode="equivariant", group="SO(d)"))
        self.assertEqual((revived.mode, revived.group),
                         ("equivariant", "SO(d)"))

    def test_correctness_against_reference(self):
        x = _clouds(1)
        encoder = _encoder(3, pool=False)
        kernel_1, bias_1, kernel_2, bias_2 = encoder.get_weights()

        def np_encoder(cloud):
            return np.tanh(cloud @ kernel_1 + bias_1) @ kernel_2 + bias_2

        for mode in ("invariant", "equivariant"):
            for group in ("O(d)", "SO(d)"):
                layer = kerastricks.layers.FrameAveraging(
                    encoder, mode=mode, group=group)
                self.assertAllClose(
                    layer(x), reference.np_frame_averaging(
                        x, np_encoder, mode, group),
                    atol=1e-5, rtol=1e-5, msg=f"{mode}, {group}")

    def test_invariance_to_rigid_motions_and_reflections(self):
        rng = np.random.default_rng(2)
        x = _clouds(3)
        encoder = _encoder()
        averaged = kerastricks.layers.FrameAveraging(encoder)
        rotations_only = kerastricks.layers.FrameAveraging(encoder,
                                                           group="SO(d)")
        expected, expected_so = _numpy(averaged(x)), _numpy(
            rotations_only(x))
        for proper in (True, False):
            moved = _moved(x, reference.random_orthogonal(rng, 3, proper),
                           rng.normal(size=3) * 5.0)
            self.assertAllClose(averaged(moved), expected, atol=1e-5,
                                rtol=1e-5)
            # The control: the bare encoder is not invariant.
            self.assertGreater(np.abs(_numpy(encoder(moved))
                                      - _numpy(encoder(x))).max(), 1e-2)
            if proper:
                self.assertAllClose(rotations_only(moved), expected_so,
                                    atol=1e-5, rtol=1e-5)
            else:
                # SO(3) frames do not symmetrize reflections.
                self.assertGreater(np.abs(_numpy(rotations_only(moved))
                                          - expected_so).max(), 1e-3)

    def test_equivariance_of_vector_outputs(self):
        rng = np.random.default_rng(4)
        x = _clouds(5)
        layer = kerastricks.layers.FrameAveraging(
            _encoder(3, pool=False), mode="equivariant")
        rotation = reference.random_orthogonal(rng, 3)
        moved = _moved(x, rotation, rng.normal(size=3) * 5.0)
        # Per-point vectors rotate with the input and ignore translation.
        self.assertAllClose(layer(moved), _numpy(layer(x)) @ rotation.T,
                            atol=1e-5, rtol=1e-5)
