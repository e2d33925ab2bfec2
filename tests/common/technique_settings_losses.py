"""Contract entries for the issue-4 losses added by the losses helper."""

import numpy as np

import kerastricks
from tests.common.technique_settings import loss

SETTINGS = {
    "kerastricks.losses.ZLoss": loss(
        kerastricks.losses.ZLoss,
        np.array([0, 2, 1]),
        np.array([[1e30, 0.0, -1e30], [0.5, 0.1, 3.0], [2.0, 2.0, 2.0]],
                 "float32"),
    ),
}
