"""Contract rows of the optimizers and SAM variants that tensorflow-addons
users look for: RAdam, AdaBelief, Adan, GSAM, LookSAM and FriendlySAM (the
row format is described in `technique_settings.py`)."""

from tests.references import tfa_optimizers as reference

SETTINGS = {
    # ------------------------------------------------------------- optimizers
    # 10 steps at beta_2 = 0.999: rho_t crosses 5 at step 6, so both the
    # momentum-SGD and the rectified branch are compared.
    "kerastricks.optimizers.RAdam": {
        "kind": "optimizer",
        "init_kwargs": {"learning_rate": 0.1},
        "reference": reference.radam(learning_rate=0.1),
    },
    "kerastricks.optimizers.AdaBelief": {
        "kind": "optimizer",
        "init_kwargs": {"learning_rate": 0.1, "epsilon": 1e-8},
        "reference": reference.adabelief(learning_rate=0.1, epsilon=1e-8),
    },
    "kerastricks.optimizers.Adan": {
        "kind": "optimizer",
        "init_kwargs": {"learning_rate": 0.1},
        "reference": reference.adan(learning_rate=0.1),
    },
    # --------------------------------------------------------- model wrappers
    "kerastricks.models.GSAM": {
        "kind": "model_wrapper", "init_kwargs": {"rho": 0.05, "alpha": 0.2},
    },
    # k = 2: the fits of the harness alternate SAM and reuse steps.
    "kerastricks.models.LookSAM": {
        "kind": "model_wrapper",
        "init_kwargs": {"rho": 0.05, "k": 2, "alpha": 0.7},
    },
    "kerastricks.models.FriendlySAM": {
        "kind": "model_wrapper", "init_kwargs": {"rho": 0.05},
    },
}
