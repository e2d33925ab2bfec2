import keras
import numpy as np

import kerastricks
from kerastricks import backend
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
        with self.assertRaisesRegex(
                ValueError, r"`class_weights` needs one entry per class, 3 "
                r".*class_weights=\[1.0, 2.0\]"):
            loss_cls(class_weights=[1.0, 2.0])(y, p)

    def test_invalid_args_non_finite_and_wrong_types(self):
        loss_cls = kerastricks.losses.CrossEntropyDiceLoss
        with self.assertRaisesRegex(ValueError, "smooth=inf"):
            loss_cls(smooth=float("inf"))
        with self.assertRaisesRegex(ValueError, "class_weights=inf"):
            loss_cls(class_weights=[float("inf"), 1.0, 1.0])
        with self.assertRaisesRegex(ValueError, "class_weights=nan"):
            loss_cls(class_weights=[1.0, float("nan"), 1.0])
        with self.assertRaisesRegex(TypeError, "class_weights=3"):
            loss_cls(class_weights=3)
        y, p = segmentation_batch()
        with self.assertRaisesRegex(TypeError, "floating-point `y_pred`"):
            loss_cls()(y, (p > 0.5).astype("int32"))
        with self.assertRaisesRegex(ValueError, "same batch size"):
            loss_cls()(y[:2], p)

    def test_from_logits_uses_the_exact_log_softmax(self):
        # Pixels whose true-class logit sits 16-20 below the others: clipping
        # softmax probabilities at 1e-7 would cap their cross-entropy near
        # 16.1 and zero their gradient.
        rng = np.random.default_rng(5)
        labels = rng.integers(0, 3, size=(2, 6, 5))
        logits = rng.normal(size=(2, 6, 5, 3)).astype("float32")
        for index, gap in zip([(0, 0, 0), (0, 3, 2), (1, 5, 4)],
                              (16.0, 18.0, 20.0)):
            logits[index] = gap
            logits[index + (labels[index],)] = 0.0
        y = np.eye(3, dtype="float32")[labels]
        ce_only = kerastricks.losses.CrossEntropyDiceLoss(
            from_logits=True, dice_weight=0.0, reduction=None)
        keras_ce = keras.losses.CategoricalCrossentropy(from_logits=True,
                                                        reduction=None)
        expected = keras.ops.convert_to_numpy(keras_ce(y, logits)).mean(
            axis=(1, 2))
        self.assertAllClose(ce_only(y, logits), expected, atol=1e-5,
                            rtol=1e-5)
        full = kerastricks.losses.CrossEntropyDiceLoss(
            class_weights=[1.0, 2.0, 0.5], from_logits=True, reduction=None)
        self.assertAllClose(
            full(y, logits),
            reference.np_cross_entropy_dice_from_logits(
                y, logits, class_weights=[1.0, 2.0, 0.5]),
            atol=1e-5, rtol=1e-5)
        # The confidently wrong pixel still pulls its true-class logit up.
        (_, _), (gradient,) = backend.get().loss_and_gradients(
            lambda values: (keras.ops.sum(ce_only(y, values[0])), ()),
            [keras.ops.convert_to_tensor(logits)])
        gradient = keras.ops.convert_to_numpy(gradient)
        self.assertLess(gradient[(1, 5, 4, labels[1, 5, 4])], -1.0 / 60)

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
