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

LOAD = """
import sys
sys.modules["keras_tuner"] = None  # nothing may need the recipes' extra
import keras
import numpy as np

import kerastricks

model = keras.saving.load_model(sys.argv[1])
assert "kerastricks.recipes.tuning" not in sys.modules
np.save(sys.argv[3], keras.ops.convert_to_numpy(
    model(np.load(sys.argv[2]), training=False)))
print(type(model).__name__, model.compiled)
"""


@pytest.mark.parametrize("case", sorted(MODELS))
def test_saved_model_loads_without_importing_the_recipes(tmp_path, case):
    arguments, x = MODELS[case]
    model = recipes.load(**arguments)
    model(x, training=False)
    path = tmp_path / "model.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOAD), str(path),
         str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, KERAS_BACKEND=keras.config.backend()))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [type(model).__name__, "True"], (
        result.stdout)
    np.testing.assert_allclose(
        np.load(tmp_path / "y.npy"),
        keras.ops.convert_to_numpy(model(x, training=False)),
        rtol=1e-6, atol=1e-6)


def test_recipe_objects_are_registered_under_kerastricks_recipes():
    from kerastricks.recipes import layers
    from kerastricks.recipes import metrics

    for cls in (layers.PairOneHot, layers.PositionEmbedding,
                layers.TwoViewContrastiveModel,
                metrics.ThresholdedBinaryMetric):
        assert keras.saving.get_registered_name(cls) == (
            f"kerastricks.recipes>{cls.__name__}")
