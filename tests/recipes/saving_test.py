"""A saved recipe model loads with `keras.saving.load_model` in a fresh
process after `import kerastricks`: no recipe import, no KerasTuner."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from kerastricks import recipes

pytestmark = [pytest.mark.requires_tuner,
              pytest.mark.requires_trainable_backend]

RNG = np.random.default_rng(0)
# Each recipe model that holds a recipe's own Keras object (in brackets).
MODELS = {
    # PairOneHot
    "grokking_mlp": (
        dict(name="grokking", preset="orthograd", modulus=7,
             mlp_hidden_units=50),
        RNG.integers(0, 7, size=(4, 2)).astype("int32")),
    # PairOneHot and PositionEmbedding
    "grokking_transformer": (
        dict(name="grokking", modulus=7, model="transformer",
             transformer_dim=64, transformer_heads=1,
             transformer_ff_units=64),
        RNG.integers(0, 7, size=(4, 2)).astype("int32")),
    # ThresholdedBinaryMetric (a compiled metric)
    "imbalanced_binary": (
        dict(name="imbalanced_binary", num_features=5),
        RNG.normal(size=(4, 5)).astype("float32")),
    # TwoViewContrastiveModel
    "contrastive": (
        dict(name="contrastive", num_classes=3, encoder_width=16,
             embedding_dim=32, projection_dim=16),
        RNG.uniform(size=(4, 8, 8, 1)).astype("float32")),
}

# One fresh process loads every case: its imports cost seconds.
LOAD = """
import pathlib
import sys
sys.modules["keras_tuner"] = None  # nothing may need the recipes' extra
import keras
import numpy as np

import kerastricks

for path in sorted(pathlib.Path(sys.argv[1]).glob("*.keras")):
    model = keras.saving.load_model(path)
    np.save(path.with_suffix(".out.npy"), keras.ops.convert_to_numpy(
        model(np.load(path.with_suffix(".x.npy")), training=False)))
    print(path.stem, type(model).__name__, model.compiled)
assert "kerastricks.recipes.tuning" not in sys.modules
"""


def test_saved_models_load_without_importing_the_recipes(tmp_path):
    models = {}
    for case, (arguments, x) in sorted(MODELS.items()):
        models[case] = recipes.load(**arguments)
        models[case](x, training=False)
        models[case].save(tmp_path / f"{case}.keras")
        np.save(tmp_path / f"{case}.x.npy", x)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOAD), str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, KERAS_BACKEND=keras.config.backend()))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{case} {type(model).__name__} True"
        for case, model in sorted(models.items())], result.stdout
    for case, model in models.items():
        np.testing.assert_allclose(
            np.load(tmp_path / f"{case}.out.npy"),
            keras.ops.convert_to_numpy(model(MODELS[case][1],
                                             training=False)),
            rtol=1e-6, atol=1e-6, err_msg=case)


def test_recipe_objects_are_registered_under_kerastricks_recipes():
    from kerastricks.recipes import layers
    from kerastricks.recipes import metrics

    for cls in (layers.PairOneHot, layers.PositionEmbedding,
                layers.TwoViewContrastiveModel,
                metrics.ThresholdedBinaryMetric):
        assert keras.saving.get_registered_name(cls) == (
            f"kerastricks.recipes>{cls.__name__}")
