"""Contract entries for the issue-4 techniques written by the lead."""

import numpy as np

import kerastricks
from tests.common.technique_settings import loss

SETTINGS = {
    "kerastricks.losses.LogitZLoss": loss(
        kerastricks.losses.LogitZLoss,
        np.array([0, 2]),
        np.array([[30.0, 0.0, -30.0], [0.5, 0.1, 3.0]], "float32"),
    ),
}
