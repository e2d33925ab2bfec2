"""Contract rows of the layerwise learning-rate and weight-decay optimizer
wrappers: NoiseAdaptiveLayerwiseLR and IndependentWeightDecay (row format:
see technique_settings.py)."""

import keras

from tests.references import layerwise as layerwise_reference

_BAD_OPTIONAL_POSITIVE = [float("nan"), float("inf"), -1.0, 0.0, True, "abc"]


def _noise_adaptive_kwargs(**base_options):
    # Muon's own decay defaults are not 0; the harness's decay check sets
    # `weight_decay` and leaves Muon's AdamW branch without decay.
    base_options.setdefault("weight_decay", 0.0)
    return {"optimizer": keras.optimizers.Muon(
        learning_rate=0.01, adam_weight_decay=0.0, **base_options)}


def _independent_decay_kwargs(**base_options):
    # The decay is the wrapper's own argument: the harness's `weight_decay`
    # goes there, every other base option to the wrapped SGD.
    weight_decay = base_options.pop("weight_decay", 0.1)
    return {"optimizer": keras.optimizers.SGD(learning_rate=0.1,
                                              **base_options),
            "weight_decay": weight_decay}


SETTINGS = {
    "kerastricks.optimizers.NoiseAdaptiveLayerwiseLR": {
        "kind": "optimizer",
        "init_kwargs": _noise_adaptive_kwargs,
        "reference": layerwise_reference.noise_adaptive_layerwise_lr(
            layerwise_reference.muon(learning_rate=0.01)),
    },
    "kerastricks.optimizers.IndependentWeightDecay": {
        "kind": "optimizer",
        "init_kwargs": _independent_decay_kwargs,
        "reference": layerwise_reference.independent_weight_decay_sgd(
            lambda step: 0.1, peak_learning_rate=0.1, weight_decay=0.1),
    },
}

FUZZ_RANGES = {
    ("NoiseAdaptiveLayerwiseLR", "optimizer"): "object",
    ("NoiseAdaptiveLayerwiseLR", "beta_1"): [float("nan"), 1.0, -0.5, 1.5,
                                             True, None, "abc"],
    ("NoiseAdaptiveLayerwiseLR", "beta_2"): [float("nan"), 1.0, -0.5, 1.5,
                                             True, None, "abc"],
    ("NoiseAdaptiveLayerwiseLR", "epsilon"): "positive",
    ("IndependentWeightDecay", "optimizer"): "object",
    ("IndependentWeightDecay", "weight_decay"): "non_negative",
    ("IndependentWeightDecay", "peak_learning_rate"): _BAD_OPTIONAL_POSITIVE,
}
