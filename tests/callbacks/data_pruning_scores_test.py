import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.references import data_pruning as reference


class DataPruningScoresTest(testing.TestCase):
    def test_invalid_args(self):
        scorer_cls = kerastricks.callbacks.DataPruningScores
        data = (np.ones((2, 4)), np.zeros(2))
        with self.assertRaisesRegex(ValueError, "tuple"):
            scorer_cls(np.ones((2, 4)))
        # A bare int or None is the wrong type, not a wrong value.
        with self.assertRaisesRegex(TypeError, "score_epochs=3"):
            scorer_cls(data, score_epochs=3)
        with self.assertRaisesRegex(TypeError, "score_epochs=None"):
            scorer_cls(data, score_epochs=None)
        with self.assertRaisesRegex(ValueError, "score_epochs=0"):
            scorer_cls(data, score_epochs=(0,))
        with self.assertRaisesRegex(ValueError, "No scores yet"):
            scorer_cls(data).scores
        with self.assertRaisesRegex(ValueError, "score='gradnorm'"):
            scorer_cls(data, score="gradnorm")

    def test_config(self):
        self.run_serialization_test(kerastricks.callbacks.DataPruningScores(
            (np.ones((2, 3), "float32"), np.array([0, 1])),
            score_epochs=(2, 3), from_logits=False, batch_size=16,
            score="grand_last_layer"))

    def test_basics(self):
        x, y = testing.problems.blobs(num_examples=16)
        scorer = kerastricks.callbacks.DataPruningScores((x, y),
                                                         score_epochs=(1, 2))
        model = testing.problems.mlp(outputs=3)
        self.run_callback_test(
            scorer, model, x, y,
            keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        self.assertEqual(scorer.scores.shape, (16,))

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(0)
        logits = rng.normal(scale=3.0, size=(10, 4)).astype("float32")
        labels = rng.integers(0, 4, size=10)
        self.assertAllClose(kerastricks.ops.el2n(logits, labels),
                            reference.np_el2n(logits, labels), atol=1e-6,
                            rtol=1e-5)
        centroids = rng.normal(size=(3, 5)).astype("float32")
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        points = rng.normal(size=(8, 5)).astype("float32")
        self.assertAllClose(
            kerastricks.ops.prototype_distance(points, centroids),
            reference.np_prototype_distance(points, centroids), atol=1e-6)

    @parameterized.parameters("el2n", "grand")
    def test_planted_mislabeled_examples_score_highest(self, score):
        # Well-separated classes, four labels flipped: early in training
        # the model follows the clean majority, so the flipped examples have
        # the largest error norms and the largest loss gradients.
        rng = np.random.default_rng(1)
        y = np.arange(64) % 3
        x = (5.0 * np.eye(4)[y] + rng.normal(size=(64, 4))).astype("float32")
        flipped = np.array([3, 17, 40, 58])
        y = y.copy()
        y[flipped] = (y[flipped] + 1) % 3
        scorer = kerastricks.callbacks.DataPruningScores(
            (x, y), score_epochs=(4, 5), batch_size=32, score=score)
        model = testing.problems.mlp(outputs=3, hidden=16)
        model.compile(optimizer=keras.optimizers.Adam(0.03),
                      loss=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True))
        model.fit(x, y, epochs=5, batch_size=16, verbose=0,
                  callbacks=[scorer])
        top = np.argsort(scorer.scores)[-len(flipped):]
        self.assertEqual(set(top), set(flipped))

    def test_grand_against_reference(self):
        rng = np.random.default_rng(4)
        x = rng.normal(size=(10, 4)).astype("float32")
        y = np.arange(10) % 3
        gradients = [rng.normal(size=(10, 4, 3)), rng.normal(size=(10, 3))]
        self.assertAllClose(kerastricks.ops.grand(gradients),
                            reference.np_grand(gradients), atol=1e-5,
                            rtol=1e-5)
        for score in ("grand", "grand_last_layer"):
            # Scored after the only epoch, at the weights fit leaves.
            scorer = kerastricks.callbacks.DataPruningScores(
                (x, y), score_epochs=(1,), batch_size=4, score=score)
            model = testing.problems.mlp(outputs=3)
            model.compile(optimizer="adam", loss=keras.losses.
                          SparseCategoricalCrossentropy(from_logits=True))
            model.fit(x, y, epochs=1, batch_size=5, verbose=0,
                      callbacks=[scorer])
            kernel_1, bias_1, kernel_2, bias_2 = model.get_weights()
            hidden = np.maximum(x @ kernel_1 + bias_1, 0.0)
            if score == "grand":
                expected = reference.np_grand_two_layer(
                    x, kernel_1, bias_1, kernel_2, bias_2, y)
            else:
                # Softmax cross-entropy on a Dense head: |p - y| |[h, 1]|.
                expected = reference.np_grand_last_dense(
                    hidden, hidden @ kernel_2 + bias_2, y)
            self.assertAllClose(scorer.scores, expected, atol=1e-5,
                                rtol=1e-4)

    def test_grand_mixed_precision(self):
        x, y = testing.problems.blobs(num_examples=12)
        with testing.dtype_policy("mixed_bfloat16"):
            model = testing.problems.mlp(outputs=3, normalization=True)
            scorer = kerastricks.callbacks.DataPruningScores(
                (x, y), score_epochs=(1,), batch_size=8, score="grand")
            model.compile(optimizer="adam", loss=keras.losses.
                          SparseCategoricalCrossentropy(from_logits=True))
            model.fit(x, y, epochs=1, verbose=0, callbacks=[scorer])
        self.assertDType(scorer.scores, "float32")
        self.assertAllFinite(scorer.scores)


class PrototypeScoresAndSelectionTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "num_clusters=5"):
            kerastricks.utils.prototype_scores(np.ones((3, 2)), 5)
        with self.assertRaisesRegex(ValueError, "shape"):
            kerastricks.utils.prototype_scores(np.ones(3), 1)
        select = kerastricks.utils.select_kept_indices
        with self.assertRaisesRegex(ValueError, "keep_fraction=0"):
            select([1.0, 2.0], 0)
        with self.assertRaisesRegex(ValueError, "keep='medium'"):
            select([1.0, 2.0], 0.5, keep="medium")
        with self.assertRaisesRegex(ValueError, "abundant=None"):
            select([1.0, 2.0], 0.5, keep="auto")

    def test_prototypes_find_the_outlier(self):
        rng = np.random.default_rng(2)
        cluster_a = np.array([1.0, 0.0, 0.0]) + rng.normal(scale=0.05,
                                                           size=(10, 3))
        cluster_b = np.array([0.0, 1.0, 0.0]) + rng.normal(scale=0.05,
                                                           size=(10, 3))
        outlier = np.array([[0.0, 0.0, 1.0]])
        points = np.concatenate([cluster_a, cluster_b, outlier])
        scores = kerastricks.utils.prototype_scores(points, num_clusters=2)
        self.assertEqual(int(np.argmax(scores)), 20)

    def test_selection_is_exact_and_ordered(self):
        scores = np.random.default_rng(3).uniform(size=50)
        for fraction in (0.1, 0.5, 0.9, 1.0):
            for keep in ("hard", "easy"):
                kept = kerastricks.utils.select_kept_indices(scores, fraction,
                                                             keep)
                self.assertLen(kept, round(fraction * 50))
                dropped = np.setdiff1d(np.arange(50), kept)
                if len(dropped):
                    if keep == "hard":
                        self.assertGreaterEqual(scores[kept].min(),
                                                scores[dropped].max())
                    else:
                        self.assertLessEqual(scores[kept].max(),
                                             scores[dropped].min())
        self.assertAllEqual(
            kerastricks.utils.select_kept_indices(scores, 0.2, "auto",
                                                  abundant=False),
            kerastricks.utils.select_kept_indices(scores, 0.2, "easy"))
