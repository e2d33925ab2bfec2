import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import tfa_losses as reference

_RNG = np.random.default_rng(3)
_LABELS = np.array([0, 1, 0, 2, 1, 2, 0, 1, 3])   # label 3 has no positive
_EMBEDDINGS = _RNG.normal(size=(9, 5)).astype("float32")


def _register_dot_product_distance():
    @keras.saving.register_keras_serializable(package="metric_learning_test")
    def negative_dot_product(embeddings):
        return -keras.ops.matmul(embeddings, keras.ops.transpose(embeddings))

    return negative_dot_product


class TripletSemiHardLossTest(testing.TestCase):
    def test_invalid_args(self):
        loss_cls = kerastricks.losses.TripletSemiHardLoss
        with self.assertRaisesRegex(ValueError, "distance_metric='L1'"):
            loss_cls(distance_metric="L1")
        with self.assertRaisesRegex(TypeError, "distance_metric=3"):
            loss_cls(distance_metric=3)
        with self.assertRaisesRegex(TypeError, "margin='1'"):
            loss_cls(margin="1")
        with self.assertRaisesRegex(ValueError, "embeddings of shape"):
            loss_cls()(np.zeros(3, "int32"), np.ones((3, 2, 2), "float32"))
        with self.assertRaisesRegex(TypeError, "integer class ids"):
            loss_cls()(np.zeros(3, "float32"), np.ones((3, 2), "float32"))
        with self.assertRaisesRegex(ValueError, r"class ids of shape \(3,\)"):
            loss_cls()(np.zeros(4, "int32"), np.ones((3, 2), "float32"))

    def test_correctness_against_reference(self):
        for metric in ("L2", "squared-L2", "angular"):
            loss = kerastricks.losses.TripletSemiHardLoss(
                margin=0.5, distance_metric=metric)
            self.assertAllClose(
                loss(_LABELS[:, None], _EMBEDDINGS),
                reference.np_triplet_semihard(_LABELS, _EMBEDDINGS, 0.5,
                                              metric),
                atol=1e-5, rtol=1e-5, msg=metric)
        # No positive pair at all: 0 (tensorflow-addons gives NaN).
        self.assertAllClose(kerastricks.losses.TripletSemiHardLoss()(
            np.arange(4), _EMBEDDINGS[:4]), 0.0)

    def test_custom_distance_saves(self):
        distance = _register_dot_product_distance()
        loss = kerastricks.losses.TripletSemiHardLoss(distance_metric=distance)
        revived = self.run_serialization_test(loss)
        self.assertIs(revived.distance_metric, distance)
        expected = loss(_LABELS, _EMBEDDINGS)
        self.assertAllClose(revived(_LABELS, _EMBEDDINGS), expected)


class TripletHardLossTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(TypeError, "soft=1"):
            kerastricks.losses.TripletHardLoss(soft=1)
        with self.assertRaisesRegex(ValueError, "distance_metric='cos'"):
            kerastricks.losses.TripletHardLoss(distance_metric="cos")

    def test_correctness_against_reference(self):
        for soft in (False, True):
            for metric in ("L2", "squared-L2", "angular"):
                self.assertAllClose(
                    kerastricks.ops.triplet_hard_loss(
                        _LABELS, _EMBEDDINGS, margin=0.3, soft=soft,
                        distance_metric=metric),
                    reference.np_triplet_hard(_LABELS, _EMBEDDINGS, 0.3,
                                              soft, metric),
                    atol=1e-5, rtol=1e-5, msg=f"{metric}, soft={soft}")


class ContrastiveMarginLossTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "margin=0"):
            kerastricks.losses.ContrastiveMarginLoss(margin=0)
        with self.assertRaisesRegex(ValueError, "similarity label"):
            kerastricks.losses.ContrastiveMarginLoss()(
                np.ones(4), np.ones((3, 1), "float32"))

    def test_correctness_against_reference(self):
        similar = np.array([1, 0, 0, 1, 0], "float32")
        distances = np.array([0.3, 0.2, 1.7, 2.0, 0.99], "float32")
        loss = kerastricks.losses.ContrastiveMarginLoss(margin=1.5)
        expected = reference.np_contrastive(similar, distances, 1.5)
        self.assertAllClose(loss(similar, distances), expected.mean())
        # (batch,) labels with (batch, 1) distances, as from a Dense head.
        self.assertAllClose(loss(similar, distances[:, None]),
                            expected.mean())


class NPairsLossTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "square"):
            kerastricks.losses.NPairsLoss()(np.zeros(3, "int32"),
                                            np.ones((3, 4), "float32"))

    def test_correctness_against_reference(self):
        labels = np.array([0, 1, 2, 1, 0])
        anchors = _RNG.normal(size=(5, 3)).astype("float32")
        positives = _RNG.normal(size=(5, 3)).astype("float32")
        similarities = anchors @ positives.T
        self.assertAllClose(
            kerastricks.losses.NPairsLoss()(labels[:, None], similarities),
            reference.np_npairs(labels, similarities).mean(), atol=1e-6)
