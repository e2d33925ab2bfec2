import numpy as np
import pytest

import kerastricks
from kerastricks.testing import TestCase
from tests.models import wrappers
from tests.models.gsam_test import check_against_reference
from tests.models.gsam_test import softmax_regression_problem
from tests.references import sharpness_aware_variants as reference

pytestmark = pytest.mark.requires_trainable_backend


class FriendlySAMTest(TestCase):
    def test_invalid_args(self):
        model = wrappers.make_model()
        with self.assertRaisesRegex(ValueError, "lmbda=1"):
            kerastricks.models.FriendlySAM(model, lmbda=1)
        with self.assertRaisesRegex(ValueError, "sigma=-0.5"):
            kerastricks.models.FriendlySAM(model, sigma=-0.5)

    def test_config(self):
        fsam = kerastricks.models.FriendlySAM(wrappers.make_model(), rho=0.1,
                                              sigma=0.5, lmbda=0.6)
        revived = self.run_serialization_test(fsam)
        self.assertEqual((revived.rho, revived.sigma, revived.lmbda),
                         (0.1, 0.5, 0.6))

    def test_correctness_against_reference(self):
        model, x, labels, kernel, bias = softmax_regression_problem()
        expected = reference.np_friendly_sam_sgd(
            kernel, bias, x.astype("float64"), labels, learning_rate=0.5,
            rho=0.3, sigma=1.0, lmbda=0.6, steps=3)
        check_against_reference(
            self, kerastricks.models.FriendlySAM(model, rho=0.3, lmbda=0.6),
            x, labels, expected)
        # Removing the average matters: sigma = 0 (SAM) ends elsewhere.
        sam = reference.np_friendly_sam_sgd(
            kernel, bias, x.astype("float64"), labels, 0.5, rho=0.3,
            sigma=0.0, lmbda=0.6, steps=3)
        self.assertGreater(np.abs(sam[-1][0] - expected[-1][0]).max(), 1e-3)
