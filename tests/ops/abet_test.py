import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import robustness as reference

_LOGITS = np.random.default_rng(0).normal(scale=3.0, size=(5, 4)).astype(
    "float32")


class AbeTScoreTest(testing.TestCase):
    def test_unit_temperature_is_negative_logsumexp(self):
        self.assertAllClose(kerastricks.ops.abet_score(_LOGITS),
                            -reference.np_logsumexp(_LOGITS.astype("float64")),
                            atol=1e-5, rtol=1e-6)

    def test_scaling_logits_and_temperature_together_changes_nothing(self):
        # The paper's defining ablation: no leading T, so the score only
        # sees f / T.
        temperature = np.array([[0.5], [2.0], [3.0], [0.25], [1.0]],
                               "float32")
        self.assertAllClose(
            kerastricks.ops.abet_score(_LOGITS * temperature, temperature),
            kerastricks.ops.abet_score(_LOGITS), atol=1e-5, rtol=1e-5)

    def test_correctness_against_reference(self):
        temperature = np.float32(0.7)
        self.assertAllClose(
            kerastricks.ops.abet_score(_LOGITS, temperature),
            reference.np_abet_score(_LOGITS, 0.7), atol=1e-5, rtol=1e-5)
