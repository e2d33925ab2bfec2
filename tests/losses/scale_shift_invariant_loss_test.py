import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import scale_shift_invariant as reference

# The float32 alignment (centred moments) against float64 least squares.
TOLERANCE = {"atol": 1e-5, "rtol": 1e-5}


def _depths(seed, shape=(3, 8, 8)):
    rng = np.random.default_rng(seed)
    return (rng.uniform(1.0, 4.0, size=shape).astype("float32"),
            rng.normal(size=shape).astype("float32"))


class ScaleShiftInvariantLossTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "gradient_weight=-0.5"):
            kerastricks.losses.ScaleShiftInvariantLoss(gradient_weight=-0.5)
        with self.assertRaisesRegex(ValueError, "num_scales=0"):
            kerastricks.losses.ScaleShiftInvariantLoss(num_scales=0)
        with self.assertRaisesRegex(TypeError, "ignore_value='zero'"):
            kerastricks.losses.ScaleShiftInvariantLoss(ignore_value="zero")

    def test_config(self):
        self.run_serialization_test(
            kerastricks.losses.ScaleShiftInvariantLoss(
                gradient_weight=0.0, num_scales=2, ignore_value=0.0,
                reduction="sum"))

    def test_correctness_against_reference(self):
        target, prediction = _depths(1)
        valid = np.random.default_rng(2).uniform(size=target.shape) > 0.3
        for weight, scales in ((0.5, 4), (0.0, 1)):
            self.assertAllClose(
                kerastricks.ops.scale_shift_invariant_loss(
                    target, prediction, mask=valid, gradient_weight=weight,
                    num_scales=scales),
                reference.np_scale_shift_invariant_loss(
                    target, prediction, valid, gradient_weight=weight,
                    num_scales=scales), **TOLERANCE)
        # Channels: one alignment per image over all channels.
        channels = np.stack([target, 2.0 * target], axis=-1)
        noisy = np.stack([prediction, prediction ** 2], axis=-1)
        self.assertAllClose(
            kerastricks.losses.ScaleShiftInvariantLoss(reduction=None)(
                channels, noisy),
            reference.np_scale_shift_invariant_loss(channels, noisy),
            **TOLERANCE)
        scale, shift = kerastricks.ops.scale_shift_alignment(
            prediction[..., None], 3.0 * prediction[..., None] - 1.0,
            np.ones(prediction.shape + (1,), "float32"))
        self.assertAllClose(scale, np.full((3, 1, 1, 1), 3.0), **TOLERANCE)
        self.assertAllClose(shift, np.full((3, 1, 1, 1), -1.0), **TOLERANCE)

    def test_invariant_to_per_image_affine_changes(self):
        # The paper's defining property: L(a p + b, y) = L(p, y) for any
        # a != 0 and b, chosen per image; an MSE changes.
        target, prediction = _depths(3)
        loss = kerastricks.losses.ScaleShiftInvariantLoss(reduction=None)
        expected = keras.ops.convert_to_numpy(loss(target, prediction))
        self.assertTrue(np.all(expected > 0.01))
        scales = np.array([7.0, -0.3, 1e3], "float32").reshape(3, 1, 1)
        shifts = np.array([-2.0, 5.0, 1e2], "float32").reshape(3, 1, 1)
        self.assertAllClose(loss(target, scales * prediction + shifts),
                            expected, atol=1e-5, rtol=1e-4)
        # and a prediction that is an affine map of the target costs 0.
        self.assertAllClose(loss(target, -0.5 * target + 3.0), np.zeros(3),
                            atol=1e-6)
        mse = keras.losses.MeanSquaredError()
        self.assertGreater(abs(float(mse(target, 7.0 * prediction))
                               - float(mse(target, prediction))), 1.0)

    def test_invalid_pixels_are_ignored(self):
        target, prediction = _depths(4, shape=(2, 6, 6))
        holes = np.zeros(target.shape, bool)
        holes[:, 1:3, 2:5] = True
        loss = kerastricks.losses.ScaleShiftInvariantLoss(ignore_value=0.0,
                                                          reduction=None)
        expected = reference.np_scale_shift_invariant_loss(
            target, prediction, ~holes)
        # Whatever the prediction or the (ignored) target holds there.
        for filler in (0.0, np.nan):
            with_holes = np.where(holes, filler, target).astype("float32")
            wild = np.where(holes, 1e4, prediction).astype("float32")
            self.assertAllClose(loss(with_holes, wild), expected,
                                **TOLERANCE)
        # An image with no valid pixel costs 0 and its gradient is finite.
        empty = np.zeros_like(target)
        self.assertAllClose(loss(empty, prediction), np.zeros(2))

    def test_fit_jit_mixed_precision_and_saving(self):
        rng = np.random.default_rng(5)
        images = rng.uniform(size=(8, 8, 8, 1)).astype("float32")
        # Depth known only up to a per-image scale and shift.
        depth = (images * rng.uniform(0.5, 2.0, (8, 1, 1, 1))
                 + rng.uniform(-1.0, 1.0, (8, 1, 1, 1))).astype("float32")

        def build():
            return keras.Sequential([
                keras.Input((8, 8, 1)),
                keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
                keras.layers.Conv2D(1, 1),
            ])

        loss = kerastricks.losses.ScaleShiftInvariantLoss()
        model = build()
        history = self.run_fit_test(model, images, depth, loss,
                                    optimizer=keras.optimizers.Adam(0.01),
                                    epochs=15)
        self.assertLess(history.history["loss"][-1],
                        0.5 * history.history["loss"][0])
        self.run_mixed_precision_test(build, images, depth, loss)
        self.run_saving_test(model, images)
