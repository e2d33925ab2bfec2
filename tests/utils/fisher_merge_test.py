import keras
import numpy as np
from keras import ops

import kerastricks
from kerastricks import testing
from tests.references import fisher_merge as reference


def mlp(seed, hidden=4, normalization=False):
    """A tiny MLP with seeded NumPy weights (the same on every backend)."""
    layers = [keras.Input((3,)), keras.layers.Dense(hidden)]
    if normalization:
        layers.append(keras.layers.BatchNormalization())
    layers += [keras.layers.Activation("relu"), keras.layers.Dense(2)]
    model = keras.Sequential(layers)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) + (
        1.5 if w.ndim == 1 and normalization else 0.0)
        for w in model.get_weights()])
    return model


def positive_like(model, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.1, 2.0, size=tuple(v.shape)).astype("float32")
            for v in model.trainable_variables]


def weights_of(model):
    return [ops.convert_to_numpy(v) for v in model.trainable_variables]


class FisherMergeTest(testing.TestCase):
    def test_invalid_args(self):
        merge = kerastricks.utils.fisher_merge
        a, b = mlp(0), mlp(1)
        with self.assertRaisesRegex(ValueError, "non-empty list"):
            merge([])
        with self.assertRaisesRegex(TypeError, r"models\[1\]"):
            merge([a, "b"])
        with self.assertRaisesRegex(ValueError, "one architecture"):
            merge([a, mlp(1, hidden=5)])
        with self.assertRaisesRegex(ValueError, "weights=.*-1.0"):
            merge([a, b], weights=[1.0, -1.0])
        with self.assertRaisesRegex(ValueError, r"weights=\[1.0\]"):
            merge([a, b], weights=[1.0])
        with self.assertRaisesRegex(ValueError, "Received: 1 entries"):
            merge([a, b], [positive_like(a, 0)])
        with self.assertRaisesRegex(ValueError, "3 arrays for model 1"):
            merge([a, b], [positive_like(a, 0), positive_like(b, 1)[:3]])
        wrong = positive_like(b, 1)
        wrong[0] = np.ones((4, 3), "float32")
        with self.assertRaisesRegex(ValueError, r"shape \(4, 3\)"):
            merge([a, b], [positive_like(a, 0), wrong])
        negative = positive_like(b, 1)
        negative[1] = -negative[1]
        with self.assertRaisesRegex(ValueError, "non-negative"):
            merge([a, b], [positive_like(a, 0), negative])
        x = np.ones((4, 3), "float32")
        with self.assertRaisesRegex(ValueError, "tuple of length 3"):
            merge([a, b], [x, (x, x, x)])
        with self.assertRaisesRegex(ValueError, "fisher_floor=-1"):
            merge([a, b], fisher_floor=-1)
        with self.assertRaisesRegex(TypeError, "normalize_fishers"):
            merge([a, b], normalize_fishers=1)

    def test_basics(self):
        a, b = mlp(0), mlp(1)
        before = weights_of(a) + weights_of(b)
        x = np.random.default_rng(2).normal(size=(8, 3)).astype("float32")
        y = np.arange(8) % 2
        merged = kerastricks.utils.fisher_merge(
            [a, b], [(x, y), (x, y)],
            fisher_kwargs={"labels": "empirical", "batch_size": 4})
        self.assertIsNot(merged, a)
        self.assertAllEqual(weights_of(a) + weights_of(b), before)
        merged.compile(optimizer="sgd", loss=keras.losses.
                       SparseCategoricalCrossentropy(from_logits=True),
                       jit_compile=testing.JIT_COMPILE)
        merged.fit(x, y, verbose=0)
        self.run_saving_test(merged, x)

    def test_equal_fishers_give_the_plain_average(self):
        a, b = mlp(0), mlp(1)
        fisher = positive_like(a, 3)
        merged = kerastricks.utils.fisher_merge([a, b], [fisher, fisher])
        average = [(u + v) / 2 for u, v in zip(weights_of(a), weights_of(b))]
        self.assertAllClose(weights_of(merged), average)
        # No Fishers: the isotropic (plain) average, with model weights.
        self.assertAllClose(
            weights_of(kerastricks.utils.fisher_merge([a, b])), average)
        self.assertAllClose(
            weights_of(kerastricks.utils.fisher_merge([a, b],
                                                      weights=[1.0, 3.0])),
            [0.25 * u + 0.75 * v
             for u, v in zip(weights_of(a), weights_of(b))])

    def test_a_dominant_fisher_keeps_its_model(self):
        a, b = mlp(0), mlp(1)
        fisher_b = positive_like(b, 3)
        fisher_a = [f.copy() for f in fisher_b]
        fisher_a[0][1, 2] *= 1e6
        # The paper's equation as is (unit-norm scaling would shrink the
        # rest of model a's Fisher).
        merged = weights_of(kerastricks.utils.fisher_merge(
            [a, b], [fisher_a, fisher_b], normalize_fishers=False))
        self.assertAllClose(merged[0][1, 2], weights_of(a)[0][1, 2],
                            atol=1e-5, rtol=1e-5)
        elsewhere = np.ones((3, 4), bool)
        elsewhere[1, 2] = False
        self.assertAllClose(
            merged[0][elsewhere],
            ((weights_of(a)[0] + weights_of(b)[0]) / 2)[elsewhere])

    def test_merging_a_model_with_itself_returns_it(self):
        model = mlp(0)
        x = np.random.default_rng(2).normal(size=(8, 3)).astype("float32")
        merged = kerastricks.utils.fisher_merge([model, model], [x, x])
        self.assertAllClose(weights_of(merged), weights_of(model))
        self.assertAllClose(merged.predict(x, verbose=0),
                            model.predict(x, verbose=0), atol=1e-6)

    def test_correctness_against_reference(self):
        models = [mlp(seed) for seed in range(3)]
        fishers = [positive_like(m, 10 + i) for i, m in enumerate(models)]
        fishers[1][2][:] = 0.0  # no information: the floor decides
        fishers[2][2][:] = 0.0
        weights = [0.2, 0.5, 0.3]
        for favor_first in (True, False):
            for normalize in (False, True):
                merged = kerastricks.utils.fisher_merge(
                    models, fishers, weights=weights,
                    favor_first_model=favor_first,
                    normalize_fishers=normalize)
                scale = [1.0] * 3
                if normalize:
                    scale = [np.sqrt(sum(np.sum(f.astype("float64")**2)
                                         for f in fisher))
                             for fisher in fishers]
                for j, value in enumerate(weights_of(merged)):
                    self.assertAllClose(
                        value, reference.np_fisher_weighted_average(
                            [weights_of(m)[j] for m in models],
                            [f[j] for f in fishers],
                            [w / s for w, s in zip(weights, scale)],
                            favor_first_model=favor_first),
                        atol=1e-6, rtol=1e-5)

    def test_batchnorm_statistics_are_averaged(self):
        a, b = mlp(0, normalization=True), mlp(1, normalization=True)
        merged = kerastricks.utils.fisher_merge(
            [a, b], [positive_like(a, 3), positive_like(b, 4)])
        self.assertAllClose(
            [ops.convert_to_numpy(v) for v in merged.non_trainable_variables],
            [(ops.convert_to_numpy(u) + ops.convert_to_numpy(v)) / 2
             for u, v in zip(a.non_trainable_variables,
                             b.non_trainable_variables)])

    def test_mixed_precision(self):
        x = np.random.default_rng(2).normal(size=(8, 3)).astype("float32")
        with testing.dtype_policy("mixed_bfloat16"):
            a, b = mlp(0), mlp(1)
            merged = kerastricks.utils.fisher_merge([a, b], [x, x])
        self.assertEqual(merged.layers[0].compute_dtype, "bfloat16")
        self.assertAllFinite(merged.predict(x, verbose=0))

    def test_fisher_merge_beats_the_plain_average_on_disjoint_tasks(self):
        # Two binary tasks on disjoint input features, one shared body
        # trained from one initialization, task heads kept apart. Averaging
        # halves what each model learned in the body weights the other
        # does not use; the Fisher keeps them.
        rng = np.random.default_rng(0)

        def task(active):
            x = 0.1 * rng.normal(size=(128, 8)).astype("float32")
            x[:, active] = rng.normal(size=(128, 4))
            a = x[:, active]
            return x, ((a[:, 0] * a[:, 1] > 0) ^ (a[:, 2] > 0.5)).astype(
                "int32")

        tasks = [task(slice(0, 4)), task(slice(4, 8))]
        init = np.random.default_rng(1)
        body_weights = [init.normal(size=(8, 16)).astype("float32") * 0.5,
                        np.zeros(16, "float32")]
        bodies, heads, fishers = [], [], []
        for seed, (x, y) in enumerate(tasks):
            body = keras.Sequential([keras.Input((8,)), keras.layers.Dense(
                16, activation="relu")])
            body.set_weights(body_weights)
            head = keras.Sequential([keras.Input((16,)),
                                     keras.layers.Dense(2)])
            head.set_weights([np.random.default_rng(2 + seed).normal(
                size=(16, 2)).astype("float32") * 0.25,
                np.zeros(2, "float32")])
            model = keras.Sequential([body, head])
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.
                          losses.SparseCategoricalCrossentropy(
                              from_logits=True))
            model.fit(x, y, epochs=30, batch_size=32, shuffle=False,
                      verbose=0)
            bodies.append(body)
            heads.append(head)
            fishers.append(kerastricks.utils.diagonal_fisher(
                model, x, variables=body.trainable_variables))

        def joint_loss(body):
            losses = []
            for head, (x, y) in zip(heads, tasks):
                logits = keras.Sequential([body, head]).predict(x, verbose=0)
                losses.append(float(ops.mean(
                    keras.losses.sparse_categorical_crossentropy(
                        y, logits, from_logits=True))))
            return np.mean(losses)

        average = joint_loss(kerastricks.utils.fisher_merge(bodies))
        for normalize in (True, False):
            fisher = joint_loss(kerastricks.utils.fisher_merge(
                bodies, fishers, normalize_fishers=normalize))
            self.assertLess(fisher, average - 0.05, (fisher, average))
