import os

import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from kerastricks.models import random_subspace_model
from kerastricks.testing import problems
from tests.references import random_subspace as reference

_X, _Y = problems.blobs(num_examples=8)


def _mlp():
    return problems.mlp(outputs=3, normalization=True)


def _flat_weights(model):
    return np.concatenate([
        keras.ops.convert_to_numpy(w).reshape(-1)
        for w in model.subspace_weights()])


def _theta_0(model):
    return np.concatenate([
        keras.ops.convert_to_numpy(v.value).reshape(-1)
        for v in model.subspace_variables])


class RandomSubspaceModelTest(testing.TestCase):
    def test_invalid_args(self):
        cls = kerastricks.models.RandomSubspaceModel
        with self.assertRaisesRegex(ValueError, r"\[1, D\], D = 75.*=76"):
            cls(_mlp(), dimension=76)
        with self.assertRaisesRegex(ValueError, "projection='fft'"):
            cls(_mlp(), dimension=2, projection="fft")
        with self.assertRaisesRegex(ValueError, "seed=-1"):
            cls(_mlp(), dimension=2, seed=-1)
        unbuilt = keras.Sequential([keras.layers.Dense(2)])
        with self.assertRaisesRegex(ValueError, "built=False"):
            cls(unbuilt, dimension=2)

    def test_config(self):
        model = kerastricks.models.RandomSubspaceModel(
            _mlp(), dimension=4, projection="sparse")
        config = model.get_config()
        self.assertIsInstance(config["seed"], int)
        self.assertEqual(
            (config["dimension"], config["projection"]), (4, "sparse"))
        self.run_serialization_test(model)

    @parameterized.parameters("dense", "sparse", "fastfood")
    def test_zero_theta_gives_the_wrapped_models_outputs(self, projection):
        net = _mlp()
        expected = net(_X)
        model = kerastricks.models.RandomSubspaceModel(
            net, dimension=5, projection=projection, seed=1)
        self.assertEqual([v.path for v in model.trainable_variables],
                         [model.theta.path])
        self.assertAllClose(model(_X), expected)

    @parameterized.parameters("dense", "sparse", "fastfood")
    def test_correctness_against_reference(self, projection):
        model = kerastricks.models.RandomSubspaceModel(
            _mlp(), dimension=6, projection=projection, seed=2)
        theta = np.random.default_rng(0).normal(size=6).astype("float32")
        model.theta.assign(theta)
        arrays = {name: keras.ops.convert_to_numpy(variable)
                  for name, variable in model.projection_weights.items()}
        size = model.num_parameters
        if projection == "dense":
            matrix = arrays["projection"].astype("float64")
        elif projection == "sparse":
            matrix = reference.np_sparse_matrix(
                arrays["rows"], arrays["columns"], arrays["values"], size, 6)
        else:
            matrix = reference.np_fastfood_matrix(
                arrays["signs"], arrays["permutation"], arrays["gaussian"],
                size, 6)
        if projection != "fastfood":
            # The paper's dense and sparse P have unit-length columns.
            self.assertAllClose(np.linalg.norm(matrix, axis=0), np.ones(6),
                                atol=1e-6, rtol=1e-6)
        self.assertAllClose(_flat_weights(model),
                            _theta_0(model) + matrix @ theta,
                            atol=1e-5, rtol=1e-5)

    def test_projection_comes_from_the_seed(self):
        def arrays(seed):
            return random_subspace_model.projection_arrays(
                "dense", 40, 3, seed)["projection"]

        self.assertAllEqual(arrays(5), arrays(5))
        self.assertFalse(np.allclose(arrays(5), arrays(6)))
        rng = np.random.default_rng(5)
        matrix = rng.standard_normal((40, 3))
        self.assertAllClose(
            arrays(5), matrix / np.linalg.norm(matrix, axis=0),
            atol=1e-6, rtol=1e-6)

    def test_gradients_reach_only_theta(self):
        net = _mlp()
        model = kerastricks.models.RandomSubspaceModel(
            net, dimension=5, projection="fastfood", seed=3)
        theta_0 = _theta_0(model)
        moving_mean = keras.ops.convert_to_numpy(
            net.layers[1].moving_mean)
        model.compile(optimizer=keras.optimizers.SGD(0.1),
                      loss=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True), jit_compile="auto")
        model.fit(_X, _Y, epochs=1, batch_size=8, verbose=0)
        self.assertAllClose(_theta_0(model), theta_0, atol=0, rtol=0)
        self.assertTrue(np.any(
            keras.ops.convert_to_numpy(model.theta) != 0.0))
        # BatchNorm statistics of the wrapped model still update.
        self.assertFalse(np.allclose(
            keras.ops.convert_to_numpy(net.layers[1].moving_mean),
            moving_mean))

    def test_saving_reproduces_predictions(self):
        model = kerastricks.models.RandomSubspaceModel(
            _mlp(), dimension=5, projection="sparse")
        model.theta.assign(np.linspace(-1.0, 1.0, 5).astype("float32"))
        path = os.path.join(self.make_temp_dir(), "subspace.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        self.assertEqual(loaded.seed, model.seed)
        self.assertEqual([v.path for v in loaded.trainable_variables],
                         [loaded.theta.path])
        self.assertAllClose(loaded(_X), model(_X))
