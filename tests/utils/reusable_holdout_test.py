import json
import math

import numpy as np
import scipy.stats

import kerastricks
from kerastricks import testing
from tests.references import thresholdout as reference

ReusableHoldout = kerastricks.utils.ReusableHoldout


def _random_pairs(count, seed=0):
    # Half the pairs agree closely, half differ by up to 0.3.
    rng = np.random.default_rng(seed)
    training = rng.uniform(0.4, 0.9, size=count)
    gaps = np.where(np.arange(count) % 2 == 0, rng.uniform(-0.01, 0.01,
                    size=count), rng.uniform(-0.3, 0.3, size=count))
    return list(zip(training.tolist(), (training + gaps).tolist()))


def _select_features(training, seen, count, cutoff):
    """The paper's analyst: features whose training and holdout
    correlations agree in sign and both exceed `cutoff`; the `count`
    largest on training, signed by it."""
    kept = ((np.sign(training) == np.sign(seen))
            & (np.abs(training) > cutoff) & (np.abs(seen) > cutoff))
    chosen = np.argsort(-np.abs(training) * kept, kind="stable")[:count]
    weights = np.zeros(len(training))
    weights[chosen] = np.sign(training[chosen]) * kept[chosen]
    return weights


def _adaptive_analysis(seed, num_examples=1000, num_features=1000,
                       count=200):
    """One run of the paper's experiment on random labels: the holdout
    accuracy reported by a plain holdout and by Thresholdout, and the
    fresh-data accuracy of each chosen classifier."""
    rng = np.random.default_rng(seed)
    sets = [(rng.standard_normal((num_examples, num_features)),
             rng.choice([-1.0, 1.0], size=num_examples)) for _ in range(3)]
    (x_train, y_train), (x_holdout, y_holdout), (x_fresh, y_fresh) = sets
    train_corr = x_train.T @ y_train / num_examples
    holdout_corr = x_holdout.T @ y_holdout / num_examples
    scale = 1.0 / math.sqrt(num_examples)
    holdout = ReusableHoldout(budget=num_features + 1, threshold=4 * scale,
                              noise_scale=scale, seed=seed)
    answered = np.array([holdout.query(a, b)
                         for a, b in zip(train_corr, holdout_corr)])

    def accuracy(x, y, weights):
        return float(np.mean(np.sign(x @ weights) == y))

    plain = _select_features(train_corr, holdout_corr, count, scale)
    guarded = _select_features(train_corr, answered, count, scale)
    reported = holdout.query(accuracy(x_train, y_train, guarded),
                             accuracy(x_holdout, y_holdout, guarded))
    return {"plain": accuracy(x_holdout, y_holdout, plain),
            "plain_fresh": accuracy(x_fresh, y_fresh, plain),
            "thresholdout": reported,
            "thresholdout_fresh": accuracy(x_fresh, y_fresh, guarded)}


class ReusableHoldoutTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "budget=0"):
            ReusableHoldout(budget=0)
        with self.assertRaisesRegex(TypeError, "budget=2.5"):
            ReusableHoldout(budget=2.5)
        with self.assertRaisesRegex(ValueError, "threshold=-0.1"):
            ReusableHoldout(budget=1, threshold=-0.1)
        with self.assertRaisesRegex(ValueError, "noise_scale=0.0"):
            ReusableHoldout(budget=1, noise_scale=0.0)
        with self.assertRaisesRegex(ValueError, "seed=-1"):
            ReusableHoldout(budget=1, seed=-1)
        holdout = ReusableHoldout(budget=1, seed=0)
        with self.assertRaisesRegex(ValueError, "holdout_value=nan"):
            holdout.query(0.5, float("nan"))
        with self.assertRaisesRegex(TypeError, "training_value='a'"):
            holdout.query("a", 0.5)
        with self.assertRaisesRegex(ValueError, "must be a dict with keys"):
            holdout.set_state({"remaining_budget": 1})
        state = holdout.get_state()
        with self.assertRaisesRegex(ValueError, "remaining_budget=5"):
            holdout.set_state({**state, "remaining_budget": 5})

    def test_config(self):
        holdout = ReusableHoldout(budget=7, threshold=0.1, noise_scale=0.02,
                                  seed=3)
        config = holdout.get_config()
        self.assertEqual(config, {"budget": 7, "threshold": 0.1,
                                  "noise_scale": 0.02, "seed": 3})
        for name, value in config.items():
            self.assertEqual(getattr(holdout, name), value)
        self.assertEqual(ReusableHoldout(**config).get_config(), config)

    def test_correctness_against_reference(self):
        pairs = _random_pairs(40)
        expected, left = reference.np_thresholdout(
            pairs, budget=8, threshold=0.04, noise_scale=0.01, seed=5)
        holdout = ReusableHoldout(budget=8, threshold=0.04,
                                  noise_scale=0.01, seed=5)
        answered = len([a for a in expected if a is not None])
        actual = [holdout.query(*pair) for pair in pairs[:answered]]
        self.assertAllClose(actual, expected[:answered], atol=0, rtol=0)
        self.assertEqual(holdout.remaining_budget, left)
        self.assertEqual(left, 0)  # the budget ran out within the pairs
        with self.assertRaisesRegex(RuntimeError, "budget of 8"):
            holdout.query(*pairs[answered])

    def test_agreement_answers_training_value_exactly(self):
        holdout = ReusableHoldout(budget=3, threshold=0.04,
                                  noise_scale=1e-4, seed=0)
        for training, held in _random_pairs(20)[::2]:  # gaps below 0.01
            self.assertEqual(holdout.query(training, held), training)
        self.assertEqual(holdout.remaining_budget, 3)
        self.assertEqual(holdout.num_queries, 10)

    def test_budget_decreases_only_on_overflow(self):
        holdout = ReusableHoldout(budget=100, threshold=0.04,
                                  noise_scale=1e-4, seed=0)
        for index, (training, held) in enumerate(_random_pairs(60)):
            before = holdout.remaining_budget
            answer = holdout.query(training, held)
            overflowed = abs(held - training) > 0.04
            if abs(abs(held - training) - 0.04) < 0.01:
                continue  # too close to the threshold to tell
            self.assertEqual(before - holdout.remaining_budget,
                             int(overflowed), msg=f"query {index}")
            if overflowed:
                self.assertNotEqual(answer, held)
                self.assertAllClose(answer, held, atol=0.01, rtol=0)

    def test_answer_noise_is_laplace(self):
        # With T = 0 and a gap of 10 every query overflows: the answers
        # are the holdout value plus Laplace(sigma) noise.
        sigma = 0.05
        holdout = ReusableHoldout(budget=2000, threshold=0.0,
                                  noise_scale=sigma, seed=1)
        noise = np.array([holdout.query(0.0, 10.0) - 10.0
                          for _ in range(2000)])
        self.assertEqual(holdout.remaining_budget, 0)
        statistic = scipy.stats.kstest(noise, "laplace", args=(0, sigma))
        self.assertGreater(statistic.pvalue, 0.01)
        # A Gaussian of the same variance is told apart.
        wrong = scipy.stats.kstest(noise, "norm", args=(0, sigma * 2**0.5))
        self.assertLess(wrong.pvalue, statistic.pvalue)

    def test_state_round_trip_resumes_exactly(self):
        pairs = _random_pairs(30, seed=2)
        uninterrupted = ReusableHoldout(budget=20, seed=4)
        expected = [uninterrupted.query(*pair) for pair in pairs]
        first = ReusableHoldout(budget=20, seed=4)
        answers = [first.query(*pair) for pair in pairs[:12]]
        state = json.loads(json.dumps(first.get_state()))
        resumed = ReusableHoldout(budget=20, seed=4)
        resumed.set_state(state)
        answers += [resumed.query(*pair) for pair in pairs[12:]]
        self.assertEqual(answers, expected)
        self.assertEqual(resumed.remaining_budget,
                         uninterrupted.remaining_budget)

    def test_seed_determinism(self):
        pairs = _random_pairs(30, seed=3)

        def answers(seed):
            holdout = ReusableHoldout(budget=30, seed=seed)
            return [holdout.query(*pair) for pair in pairs]

        self.assertEqual(answers(0), answers(0))
        self.assertNotEqual(answers(0), answers(1))

    def test_adaptive_queries_overfit_plain_holdout_not_thresholdout(self):
        # Labels are independent of the features, so every classifier is
        # right half the time on fresh data. Selecting features by their
        # holdout correlations inflates the plain holdout accuracy; through
        # Thresholdout the reported accuracy stays near the truth. (A
        # single answer can still echo the training accuracy when the
        # threshold noise is large, hence the median over runs.)
        runs = [_adaptive_analysis(seed) for seed in range(5)]
        median = {key: np.median([run[key] for run in runs])
                  for key in runs[0]}
        self.assertGreater(median["plain"], 0.6)
        self.assertLess(abs(median["plain_fresh"] - 0.5), 0.03)
        self.assertLess(abs(median["thresholdout"] - 0.5), 0.04)
        self.assertLess(abs(median["thresholdout_fresh"] - 0.5), 0.03)
        self.assertGreater(median["plain"] - median["thresholdout"], 0.08)
