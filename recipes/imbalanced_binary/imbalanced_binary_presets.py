"""Presets of the `imbalanced_binary` recipe: the loss comparison of Han
et al., 2024, "AnyLoss: Transforming Classification Metrics into Loss
Functions" (https://arxiv.org/abs/2405.14745)."""

imbalanced_binary_presets = {
    "binary_cross_entropy": {
        "description": "Baseline: the same MLP trained with binary "
                       "cross-entropy.",
        "hyperparameters": {"loss": "binary_cross_entropy"},
    },
    "any_loss_f1": {
        "description": "AnyLoss on F1 (amplifying scale 73, the paper's).",
        "hyperparameters": {"loss": "any_loss_f1"},
    },
    "any_loss_balanced_accuracy": {
        "description": "AnyLoss on balanced accuracy.",
        "hyperparameters": {"loss": "any_loss_balanced_accuracy"},
    },
}
