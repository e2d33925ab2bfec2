import numpy as np

from kerastricks import testing
from kerastricks.ops import noise_adaptive_layerwise as functional
from tests.references import layerwise as reference


class NoiseAdaptiveLayerwiseOpsTest(testing.TestCase):
    def test_nuclear_norm_of_rank_one_equals_frobenius_norm(self):
        rng = np.random.default_rng(0)
        rank_one = np.outer(rng.normal(size=4),
                            rng.normal(size=3)).astype("float32")
        self.assertAllClose(functional.nuclear_norm(rank_one),
                            np.linalg.norm(rank_one), atol=1e-5, rtol=1e-5)

    def test_nuclear_norm_against_reference(self):
        matrix = np.random.default_rng(0).normal(size=(3, 5)).astype(
            "float32")
        self.assertAllClose(functional.nuclear_norm(matrix),
                            reference.nuclear_norm(matrix), atol=1e-5,
                            rtol=1e-5)

    def test_nuclear_norm_rejects_non_matrices(self):
        with self.assertRaisesRegex(ValueError, r"x.shape=\(3,\)"):
            functional.nuclear_norm(np.ones(3, "float32"))

    def test_multipliers_against_reference(self):
        noise = np.array([0.5, 1.0, 4.0, 0.0], "float32")
        self.assertAllClose(functional.noise_adaptive_multipliers(noise),
                            reference.noise_adaptive_multipliers(noise))

    def test_equal_noise_gives_multipliers_of_one(self):
        self.assertAllClose(
            functional.noise_adaptive_multipliers(np.full(3, 2.0, "float32")),
            np.ones(3))
