"""Contract rows and fuzz ranges of the soft-equivariance and orbit
evaluation techniques (merged into `technique_settings.SETTINGS`)."""

SETTINGS = {
    # The harness's inner model reads vectors: 1-D signals, whose groups
    # are the flips and the cyclic translations.
    "kerastricks.models.SoftEquivariance": {
        "kind": "model_wrapper",
        "init_kwargs": {"group": ["flips", "translations"],
                        "weight": [0.1, 0.1]},
    },
}

FUZZ_RANGES = {
    ("SoftEquivariance", "model"): "object",
    ("SoftEquivariance", "group"): ["abc", None, 1, True, []],
    ("SoftEquivariance", "weight"): [float("nan"), float("inf"), -1.0, True,
                                     None, "abc", [1.0]],
    ("SoftEquivariance", "output_action"): "choice",
}
