import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import contrastive as reference


class SupervisedContrastiveLossTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "temperature=0"):
            kerastricks.losses.SupervisedContrastiveLoss(temperature=0)
        with self.assertRaisesRegex(ValueError, "embeddings of shape"):
            kerastricks.losses.SupervisedContrastiveLoss()(
                np.zeros(3), np.ones((3, 2, 2), "float32"))

    def test_config(self):
        self.run_serialization_test(
            kerastricks.losses.SupervisedContrastiveLoss(temperature=0.2))

    def test_basics(self):
        rng = np.random.default_rng(0)
        labels = rng.integers(0, 3, size=12)
        embeddings = rng.normal(size=(12, 5)).astype("float32")
        self.run_loss_test(
            kerastricks.losses.SupervisedContrastiveLoss(temperature=0.5),
            lambda y, p: kerastricks.ops.supervised_contrastive_loss(y, p,
                                                                     0.5),
            lambda y, p: reference.np_supervised_contrastive(y, p, 0.5),
            labels, embeddings, atol=1e-5, rtol=1e-5)

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(1)
        labels = np.array([0, 1, 0, 2, 1, 0, 3])  # class 2 and 3 alone
        embeddings = rng.normal(scale=3.0, size=(7, 4)).astype("float32")
        self.assertAllClose(
            kerastricks.ops.supervised_contrastive_loss(labels, embeddings),
            reference.np_supervised_contrastive(labels, embeddings),
            atol=1e-4, rtol=1e-5)

    def test_scale_invariant_and_prefers_clustered_classes(self):
        labels = np.array([0, 0, 1, 1])
        clustered = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1]], "float32")
        mixed = np.array([[1, 0], [0, 1], [1, 0.1], [0.1, 1]], "float32")
        loss = kerastricks.losses.SupervisedContrastiveLoss()
        self.assertAllClose(loss(labels, clustered),
                            loss(labels, 10.0 * clustered), rtol=1e-5)
        self.assertLess(float(loss(labels, clustered)),
                        float(loss(labels, mixed)))

    def test_fit(self):
        x, y = testing.problems.blobs(num_examples=16)

        def encoder():
            return keras.Sequential([keras.Input((4,)),
                                     keras.layers.Dense(8)])

        self.run_fit_test(encoder(), x, y,
                          kerastricks.losses.SupervisedContrastiveLoss())
        self.run_mixed_precision_test(
            encoder, x, y, kerastricks.losses.SupervisedContrastiveLoss())


class NTXentLossTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "temperature=-1"):
            kerastricks.losses.NTXentLoss(temperature=-1)
        with self.assertRaisesRegex(ValueError, "two stacked views"):
            kerastricks.losses.NTXentLoss()(np.zeros(3),
                                            np.ones((3, 2), "float32"))

    def test_config(self):
        self.run_serialization_test(
            kerastricks.losses.NTXentLoss(temperature=0.3))

    def test_basics(self):
        embeddings = np.random.default_rng(2).normal(size=(8, 3))
        embeddings = embeddings.astype("float32")
        self.run_loss_test(
            kerastricks.losses.NTXentLoss(temperature=0.5),
            lambda y, p: kerastricks.ops.nt_xent_loss(p, 0.5),
            lambda y, p: reference.np_nt_xent(p, 0.5),
            np.zeros(8), embeddings, atol=1e-5, rtol=1e-5)

    def test_correctness_against_reference(self):
        views = np.random.default_rng(3).normal(size=(6, 4)).astype("float32")
        self.assertAllClose(kerastricks.ops.nt_xent_loss(views),
                            reference.np_nt_xent(views), atol=1e-4,
                            rtol=1e-5)
        # Matching views (partner identical) beat shuffled partners.
        base = np.random.default_rng(4).normal(size=(3, 4)).astype("float32")
        aligned = np.concatenate([base, base + 0.01])
        shuffled = np.concatenate([base, base[::-1] + 0.01])
        loss = kerastricks.losses.NTXentLoss()
        self.assertLess(float(loss(np.zeros(6), aligned)),
                        float(loss(np.zeros(6), shuffled)))

    def test_fit(self):
        x = np.random.default_rng(5).normal(size=(8, 4)).astype("float32")
        two_views = np.concatenate([x, x + 0.05])

        def encoder():
            return keras.Sequential([keras.Input((4,)),
                                     keras.layers.Dense(6)])

        self.run_fit_test(encoder(), two_views, np.zeros(16),
                          kerastricks.losses.NTXentLoss())
        self.run_mixed_precision_test(encoder, two_views, np.zeros(16),
                                      kerastricks.losses.NTXentLoss())
