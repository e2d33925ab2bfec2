"""Presets of the `robust_classifier` recipe: one per defense, graded by
the robustness they buy (and what a step costs)."""

robust_classifier_presets = {
    "robust_classifier_baseline": {
        "description": "Plain training: no defense.",
        "hyperparameters": {"defense": "none"},
    },
    "robust_classifier_mild": {
        "description": (
            "Defensive distillation at T = 20 (a teacher, then a student "
            "on its soft labels; twice the training, no extra cost a "
            "step)."),
        "hyperparameters": {"defense": "distillation",
                            "distillation_temperature": 20.0},
    },
    "robust_classifier_medium": {
        "description": (
            "FGSM adversarial training, half clean and half adversarial "
            "loss (one extra forward and backward pass a step)."),
        "hyperparameters": {"defense": "fgsm", "adversarial_epsilon": 0.1},
    },
    "robust_classifier_spicy": {
        "description": (
            "PGD adversarial training (7 steps from a random start: eight "
            "passes a step)."),
        "hyperparameters": {"defense": "pgd", "adversarial_epsilon": 0.1,
                            "pgd_steps": 7},
    },
}
