"""Presets of the `char_transformer` recipe: the baseline and the paper's
two mitigations, one at a time and together (Wortsman et al., 2023,
https://arxiv.org/abs/2309.14322)."""

char_transformer_presets = {
    "char_transformer_baseline": {
        "description": "Plain attention and cross-entropy.",
        "hyperparameters": {"qk_norm": False, "logit_z_loss": False},
    },
    "char_transformer_mild": {
        "description": "z-loss (1e-4) on the output logits only.",
        "hyperparameters": {"qk_norm": False, "logit_z_loss": True},
    },
    "char_transformer_medium": {
        "description": "qk-layernorm in every attention layer only.",
        "hyperparameters": {"qk_norm": True, "logit_z_loss": False},
    },
    "char_transformer_spicy": {
        "description": (
            "qk-layernorm and z-loss together, the paper's recommendation: "
            "stable at learning rates where the baseline diverges."
        ),
        "hyperparameters": {"qk_norm": True, "logit_z_loss": True},
    },
}
