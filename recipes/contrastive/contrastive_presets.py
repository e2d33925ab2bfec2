"""Presets of the `contrastive` recipe: contrastive pre-training against
training the same encoder from scratch, compared by a linear probe."""

contrastive_presets = {
    "supervised_contrastive": {
        "description": (
            "SupCon pre-training (Khosla et al., 2020), then a linear probe "
            "on the frozen encoder."
        ),
        "hyperparameters": {"objective": "supervised_contrastive"},
    },
    "nt_xent": {
        "description": (
            "SimCLR's NT-Xent (no labels during pre-training), then a "
            "linear probe."
        ),
        "hyperparameters": {"objective": "nt_xent"},
    },
    "from_scratch": {
        "description": (
            "Baseline: the same encoder and augmentations trained with "
            "cross-entropy, probed the same way."
        ),
        "hyperparameters": {"objective": "cross_entropy"},
    },
}
