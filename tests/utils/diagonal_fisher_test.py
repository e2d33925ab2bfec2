import keras
import numpy as np

import kerastricks
from kerastricks import backend
from kerastricks import testing
from tests.references import fisher_merge as reference


def linear(inputs, outputs, seed=0):
    """A linear classifier with seeded NumPy weights (the same on every
    backend)."""
    model = keras.Sequential([keras.Input((inputs,)),
                              keras.layers.Dense(outputs)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=(inputs, outputs)).astype("float32"),
                       rng.normal(size=(outputs,)).astype("float32")])
    return model


def inputs(count=20, features=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(count, features)).astype("float32")


class DiagonalFisherTest(testing.TestCase):
    def test_invalid_args(self):
        fisher = kerastricks.utils.diagonal_fisher
        model, x = linear(3, 2), inputs()
        with self.assertRaisesRegex(TypeError, "keras.Model"):
            fisher(keras.layers.Dense(2), x)
        with self.assertRaisesRegex(ValueError, "must be built"):
            fisher(keras.Sequential([keras.layers.Dense(2)]), x)
        with self.assertRaisesRegex(ValueError, "labels='exact'"):
            fisher(model, x, labels="exact")
        with self.assertRaisesRegex(ValueError, "labels='expected'"):
            fisher(model, x, np.zeros(20))
        with self.assertRaisesRegex(ValueError, "y missing"):
            fisher(model, x, labels="empirical")
        with self.assertRaisesRegex(ValueError, "20 inputs and 3 labels"):
            fisher(model, x, np.zeros(3), labels="empirical")
        with self.assertRaisesRegex(ValueError, "num_examples=0"):
            fisher(model, x, num_examples=0)
        with self.assertRaisesRegex(ValueError, "not one of the trainable"):
            fisher(model, x, variables=linear(3, 2).trainable_variables)
        sequence = keras.Sequential([keras.Input((4, 3)),
                                     keras.layers.Dense(2)])
        with self.assertRaisesRegex(ValueError, r"shape \(20, 4, 2\)"):
            fisher(sequence, np.ones((20, 4, 3), "float32"))

    def test_basics(self):
        model = testing.problems.mlp(outputs=3, normalization=True)
        fisher = kerastricks.utils.diagonal_fisher(model, inputs(10, 4),
                                                   batch_size=4)
        self.assertEqual([f.shape for f in fisher],
                         [tuple(v.shape) for v in model.trainable_variables])
        for f in fisher:
            self.assertDType(f, "float32")
            self.assertTrue(np.all(f >= 0))
        head = model.layers[-1].trainable_variables
        only_head = kerastricks.utils.diagonal_fisher(
            model, inputs(10, 4), batch_size=4, variables=head)
        self.assertAllClose(only_head, fisher[-2:], atol=1e-7)

    def test_correctness_against_reference(self):
        # Logistic regression (one sigmoid output): E[p(1-p) x^2].
        x = inputs()
        model = linear(3, 1)
        kernel, bias = model.get_weights()
        expected = reference.np_logistic_fisher(x, kernel, bias[0])
        for batch_size in (7, 32):  # a padded last batch, one batch
            self.assertAllClose(
                kerastricks.utils.diagonal_fisher(model, x,
                                                  batch_size=batch_size),
                expected, atol=1e-6, rtol=1e-5)
        # Two-class softmax, expectation over classes: E[p_c(1-p_c) x^2].
        model = linear(3, 2)
        self.assertAllClose(
            kerastricks.utils.diagonal_fisher(model, x, batch_size=8),
            reference.np_softmax_linear_fisher(x, *model.get_weights()),
            atol=1e-6, rtol=1e-5)
        # Empirical Fisher: the mean squared gradient at the given labels.
        labels = np.arange(20) % 2
        gradients = reference.np_linear_cross_entropy_gradients(
            x, *model.get_weights(), labels)
        self.assertAllClose(
            kerastricks.utils.diagonal_fisher(model, x, labels, "empirical"),
            [np.mean(g**2, axis=0) for g in gradients], atol=1e-6,
            rtol=1e-5)
        # Probabilities instead of logits give the same Fisher.
        softmax = keras.Sequential([model, keras.layers.Softmax()])
        self.assertAllClose(
            kerastricks.utils.diagonal_fisher(softmax, x, from_logits=False),
            reference.np_softmax_linear_fisher(x, *model.get_weights()),
            atol=1e-6, rtol=1e-4)

    def test_sampled_labels_estimate_the_expectation(self):
        # One label drawn per example is an unbiased estimate of the exact
        # expectation; over 2000 copies of 4 inputs it is within 10%.
        model = linear(3, 3)
        x = np.tile(inputs(4), (500, 1))
        exact = kerastricks.utils.diagonal_fisher(model, x[:4])
        sampled = kerastricks.utils.diagonal_fisher(
            model, x, labels="sampled", num_examples=None, batch_size=500,
            seed=3)
        self.assertAllClose(sampled, exact, atol=1e-3, rtol=0.1)
        again = kerastricks.utils.diagonal_fisher(
            model, x[:40], labels="sampled", seed=3, batch_size=20)
        self.assertAllClose(
            again, kerastricks.utils.diagonal_fisher(
                model, x[:40], labels="sampled", seed=3, batch_size=20))

    def test_per_example_gradients_match_numpy(self):
        model, x = linear(3, 4), inputs(6)
        labels = np.array([0, 1, 2, 3, 0, 1])

        def loss_fn(y, outputs):
            return keras.losses.sparse_categorical_crossentropy(
                y, outputs, from_logits=True)

        gradients = backend.get().compile_per_example_gradients(
            model, loss_fn, model.trainable_variables)
        self.assertAllClose(
            gradients(x, labels),
            reference.np_linear_cross_entropy_gradients(
                x, *model.get_weights(), labels), atol=1e-6, rtol=1e-5)
        # The weights are read at call time.
        model.set_weights([w * 2.0 for w in model.get_weights()])
        self.assertAllClose(
            gradients(x, labels),
            reference.np_linear_cross_entropy_gradients(
                x, *model.get_weights(), labels), atol=1e-6, rtol=1e-5)

    def test_mixed_precision(self):
        with testing.dtype_policy("mixed_bfloat16"):
            model = testing.problems.mlp(outputs=3)
            fisher = kerastricks.utils.diagonal_fisher(model, inputs(8, 4))
        for f, variable in zip(fisher, model.trainable_variables):
            self.assertEqual(f.shape, tuple(variable.shape))
            self.assertAllFinite(f)

    def test_distribution(self):
        x = inputs(8, 4)
        self.assert_data_parallel_matches_one_device(
            lambda: kerastricks.utils.diagonal_fisher(
                testing.problems.mlp(outputs=3), x),
            atol=1e-6, rtol=1e-5)
