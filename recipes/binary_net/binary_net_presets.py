"""Presets of the `binary_net` recipe: the same binary network trained with
each estimator of the sign's gradient, at the papers' settings."""

binary_net_presets = {
    "binary_net_ste": {
        "description": (
            "Clipped straight-through estimator (gradient 1 where "
            "abs(x) <= 1), the BinaryConnect / XNOR-Net baseline."),
        "hyperparameters": {
            "estimator": "ste",
            "ste_threshold": 1.0,
        },
    },
    "binary_net_reste": {
        "description": (
            "ReSTE: the rectified power function's gradient, t = 1.5, o "
            "raised from 1 to 3 along a quarter cosine over the epochs."),
        "hyperparameters": {
            "estimator": "reste",
            "reste_threshold": 1.5,
            "reste_root_degree_start": 1.0,
            "reste_root_degree_end": 3.0,
        },
    },
    "binary_net_biper": {
        "description": (
            "BiPer: weights binarized as sign(sin(omega w)) with the sine's "
            "gradient, omega = 20; activations through ApproxSign."),
        "hyperparameters": {
            "estimator": "biper",
            "biper_omega": 20.0,
        },
    },
}
