import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import segmentation as reference


def segmentation_batch(seed=0, classes=3):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=(4, 5, 6))
    y = np.eye(classes, dtype="float32")[labels]
    logits = rng.normal(size=(4, 5, 6, classes))
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return y, p.astype("float32")


class CrossEntropyDiceLossTest(testing.TestCase):
    def test_invalid_args(self):
        loss_cls = kerastricks.losses.CrossEntropyDiceLoss
        with self.assertRaisesRegex(ValueError, "dice_weight=-1"):
            loss_cls(dice_weight=-1)
        with self.assertRaisesRegex(ValueError, "class_weights=-2"):
            loss_cls(class_weights=[1.0, -2.0])
        y, p = segmentation_batch()
        with self.assertRaisesRegex(ValueError, "one-hot"):
            loss_cls()(y[..., 0], p)
        with self.assertRaisesRegex(ValueError, "2 entries for 3 classes"):
            loss_cls(class_weights=[1.0, 2.0])(y, p)

    def test_config(self):
        self.run_serialization_test(kerastricks.losses.CrossEntropyDiceLoss(
            class_weights=[1.0, 2.0, 0.5], cross_entropy_weight=0.5,
            dice_weight=2.0, from_logits=True, smooth=1.0))

    def test_basics(self):
        y, p = segmentation_batch()
        weights = [1.0, 3.0, 0.5]
        self.run_loss_test(
            kerastricks.losses.CrossEntropyDiceLoss(class_weights=weights),
            lambda t, q: (kerastricks.ops.weighted_categorical_cross_entropy(
                t, q, weights) + kerastricks.ops.soft_dice_loss(t, q)),
            lambda t, q: reference.np_cross_entropy_dice(t, q, weights),
            y, p, atol=1e-5, rtol=1e-5)

    def test_correctness_against_reference(self):
        y, p = segmentation_batch(seed=1)
        loss = kerastricks.losses.CrossEntropyDiceLoss(
            cross_entropy_weight=0.3, dice_weight=0.7, reduction=None)
        self.assertAllClose(loss(y, p), reference.np_cross_entropy_dice(
            y, p, ce_weight=0.3, dice_weight=0.7), atol=1e-5, rtol=1e-5)
        logits = np.log(p)
        from_logits = kerastricks.losses.CrossEntropyDiceLoss(
            from_logits=True, reduction=None)
        self.assertAllClose(from_logits(y, logits),
                            reference.np_cross_entropy_dice(y, p),
                            atol=1e-5, rtol=1e-5)

    def test_dice_term_rewards_a_missed_thin_class(self):
        # A rare class (2 of 64 pixels) predicted as background: pixel-mean
        # cross-entropy barely notices, the Dice term loses a third.
        y = np.zeros((1, 8, 8, 3), "float32")
        y[..., 0] = 1.0
        y[0, 0, :2] = [0.0, 0.0, 1.0]
        y[0, 7, :] = [0.0, 1.0, 0.0]
        missed = np.where(y[..., 2:3] == 1, [0.98, 0.01, 0.01], y * 0.98
                          + 0.01).astype("float32")
        dice_only = kerastricks.losses.CrossEntropyDiceLoss(
            cross_entropy_weight=0.0)
        self.assertGreater(float(dice_only(y, missed)), 0.3)

    def test_fit(self):
        x = np.random.default_rng(2).normal(size=(4, 5, 6, 2)).astype(
            "float32")
        y, _ = segmentation_batch()

        def build():
            return keras.Sequential([
                keras.Input((5, 6, 2)),
                keras.layers.Conv2D(3, 3, padding="same",
                                    activation="softmax")])

        self.run_fit_test(build(), x, y,
                          kerastricks.losses.CrossEntropyDiceLoss())
        self.run_mixed_precision_test(
            build, x, y, kerastricks.losses.CrossEntropyDiceLoss())
