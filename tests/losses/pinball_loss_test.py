import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import tfa_losses as reference


class PinballLossTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, r"tau=1.5"):
            kerastricks.losses.PinballLoss(tau=1.5)
        with self.assertRaisesRegex(ValueError, r"tau=\[\]"):
            kerastricks.losses.PinballLoss(tau=[])
        with self.assertRaisesRegex(ValueError, "one quantile per entry"):
            kerastricks.losses.PinballLoss(tau=[0.1, 0.9])(
                np.zeros((2, 3)), np.zeros((2, 3), "float32"))
        with self.assertRaisesRegex(ValueError, "one target per entry"):
            kerastricks.losses.PinballLoss()(np.zeros((2, 4)),
                                             np.zeros((2, 3), "float32"))

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(7)
        targets = rng.normal(size=(5,)).astype("float32")
        predictions = rng.normal(size=(5, 3)).astype("float32")
        taus = [0.1, 0.5, 0.9]
        loss = kerastricks.losses.PinballLoss(tau=taus, reduction=None)
        expected = reference.np_pinball(targets[:, None], predictions, taus)
        self.assertAllClose(loss(targets, predictions), expected)
        self.assertAllClose(loss(targets[:, None], predictions), expected)
        # tau = 0.5: half the mean absolute error.
        self.assertAllClose(
            kerastricks.losses.PinballLoss()(targets, predictions[:, :1]),
            0.5 * np.mean(np.abs(targets - predictions[:, 0])), atol=1e-6)

    def test_quantile_regression_finds_the_quantile(self):
        # The constant minimizing the pinball loss is the tau quantile.
        samples = np.random.default_rng(8).normal(size=(999, 1))
        candidates = np.linspace(-3, 3, 601, dtype="float32")
        losses = [float(kerastricks.losses.PinballLoss(tau=0.9)(
            samples, np.full_like(samples, c, dtype="float32")))
            for c in candidates[::20]]
        best = candidates[::20][int(np.argmin(losses))]
        self.assertLess(abs(best - np.quantile(samples, 0.9)), 0.2)
