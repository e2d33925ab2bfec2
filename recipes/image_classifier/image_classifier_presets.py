"""Presets of the `image_classifier` recipe, graded like composer's
`resnet50_{mild,medium,spicy}`: each grade adds techniques on top of the
last."""

image_classifier_presets = {
    "image_classifier_baseline": {
        "description": "Plain ResNet: Adam, average pooling, no tricks.",
        "hyperparameters": {
            "optimizer": "adam",
            "learning_rate": 1e-3,
            "pooling": "avg",
            "tract": False,
            "wrapper": "none",
        },
    },
    "image_classifier_mild": {
        "description": "AdamP instead of Adam (no extra cost per step).",
        "hyperparameters": {
            "optimizer": "adamp",
            "learning_rate": 1e-3,
            "pooling": "avg",
            "tract": False,
            "wrapper": "none",
        },
    },
    "image_classifier_medium": {
        "description": "AdamP, TrAct on the first layer and GGeM pooling.",
        "hyperparameters": {
            "optimizer": "adamp",
            "learning_rate": 1e-3,
            "pooling": "ggem",
            "tract": True,
            "wrapper": "none",
        },
    },
    "image_classifier_spicy": {
        "description": (
            "The medium preset plus sharpness-aware minimization (SAM, two "
            "gradient passes a step)."
        ),
        "hyperparameters": {
            "optimizer": "adamp",
            "learning_rate": 1e-3,
            "pooling": "ggem",
            "tract": True,
            "wrapper": "sam",
        },
    },
    "image_classifier_poolformer": {
        "description": (
            "A small PoolFormer backbone (pooling as the token mixer) with "
            "AdamW, as the paper trains it, instead of the ResNet."
        ),
        "hyperparameters": {
            "backbone": "poolformer",
            "optimizer": "adam",
            "learning_rate": 1e-3,
            "weight_decay": 1e-2,
            "pooling": "avg",
            "wrapper": "none",
        },
    },
    "image_classifier_wavemix": {
        "description": (
            "A small WaveMix backbone (three blocks of 64 channels that mix "
            "space with a 2-D Haar wavelet transform) with AdamW, instead "
            "of the ResNet."
        ),
        "hyperparameters": {
            "backbone": "wavemix",
            "wavemix_channels": 64,
            "wavemix_depth": 3,
            "optimizer": "adam",
            "learning_rate": 1e-3,
            "weight_decay": 1e-2,
            "pooling": "avg",
            "wrapper": "none",
        },
    },
}
