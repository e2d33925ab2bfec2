import keras
import numpy as np

import kerastricks
from kerastricks import testing
from kerastricks.utils import validation
from tests.references import tfa_losses as reference


class SparseCategoricalFocalLossTest(testing.TestCase):
    def test_invalid_args(self):
        loss_cls = kerastricks.losses.SparseCategoricalFocalLoss
        with self.assertRaisesRegex(ValueError, "gamma=-1"):
            loss_cls(gamma=-1)
        with self.assertRaisesRegex(TypeError, "alpha=0.25"):
            loss_cls(alpha=0.25)
        with self.assertRaisesRegex(ValueError, "alpha=-1"):
            loss_cls(alpha=[1.0, -1])
        with self.assertRaisesRegex(ValueError, "one `alpha` weight per"):
            loss_cls(alpha=[1.0, 2.0])(np.array([0, 1]),
                                       np.ones((2, 3), "float32"))
        loss = loss_cls(from_logits=True)
        logits = np.zeros((4, 3), "float32")
        ids = np.array([0, 2, 1, 2], "int32")
        with self.assertRaisesRegex(TypeError, "floating-point `y_pred`"):
            loss(ids, logits.astype("int32"))
        with self.assertRaisesRegex(TypeError, "integer class ids"):
            loss(ids.astype("float32"), logits)
        with self.assertRaisesRegex(ValueError, "not one-hot"):
            loss(np.eye(3, dtype="int32")[ids], logits)
        with self.assertRaisesRegex(ValueError, r"class ids of shape \(4,\)"):
            loss(ids[:3], logits)
        validation.enable_label_value_checks()
        try:
            with self.assertRaisesRegex(ValueError, r"class ids in \[0, 3\)"):
                loss(np.array([0, 3, 1, 2], "int32"), logits)
        finally:
            validation.enable_label_value_checks(False)

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(5)
        labels = rng.integers(0, 4, size=(2, 3))   # per-pixel class ids
        logits = rng.normal(scale=3.0, size=(2, 3, 4)).astype("float32")
        alpha = [1.0, 0.5, 2.0, 0.25]
        loss = kerastricks.losses.SparseCategoricalFocalLoss(
            gamma=1.5, alpha=alpha, from_logits=True, reduction=None)
        self.assertAllClose(loss(labels, logits),
                            reference.np_sparse_focal(labels, logits, 1.5,
                                                      alpha),
                            atol=1e-6, rtol=1e-5)
        # gamma = 0 is sparse categorical cross-entropy.
        self.assertAllClose(
            kerastricks.ops.sparse_categorical_focal_loss(
                labels, logits, gamma=0.0, from_logits=True),
            keras.losses.sparse_categorical_crossentropy(
                labels, logits, from_logits=True), atol=1e-6, rtol=1e-6)

    def test_probabilities_match_keras_one_hot_focal_loss(self):
        rng = np.random.default_rng(6)
        labels = rng.integers(0, 3, size=5)
        probabilities = rng.dirichlet(np.ones(3), size=5).astype("float32")
        ours = kerastricks.losses.SparseCategoricalFocalLoss(gamma=2.0)
        keras_focal = keras.losses.CategoricalFocalCrossentropy(alpha=1.0,
                                                               gamma=2.0)
        self.assertAllClose(ours(labels, probabilities),
                            keras_focal(np.eye(3)[labels], probabilities),
                            atol=1e-6, rtol=1e-5)

    def test_logits_have_no_clipping_bias(self):
        # A confident mistake, p_y = 1e-12: -log p_y = 27.6, where clipping
        # p_y at epsilon = 1e-7 (the probability path) caps it at 16.1.
        logits = np.array([[0.0, np.log(1e12)]], "float32")
        loss = kerastricks.losses.SparseCategoricalFocalLoss(
            from_logits=True)
        self.assertAllClose(loss(np.array([0]), logits),
                            reference.np_sparse_focal([0], logits)[0],
                            atol=1e-5, rtol=1e-6)
        clipped = kerastricks.losses.SparseCategoricalFocalLoss()(
            np.array([0]), keras.ops.softmax(logits))
        self.assertAllClose(clipped, -np.log(keras.config.epsilon()),
                            atol=1e-3, rtol=1e-3)
