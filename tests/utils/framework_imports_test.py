"""Importing kerastricks imports no framework that Keras does not use.

TensorFlow prints its start-up lines (oneDNN, CPU features) and takes
seconds to import; on the JAX backend nothing of kerastricks, its recipes
or its command line may import it at import time (`tensorflow_datasets` is
imported only when a `tfds:NAME` dataset is loaded).
"""

import json
import os
import subprocess
import sys

import keras
import pytest

_PROBE = """
import json, sys
import kerastricks
import kerastricks.recipes
import kerastricks.cli
loaded = sorted(name for name in sys.modules
                if name.split(".")[0] in ("tensorflow", "tensorflow_datasets",
                                          "torch"))
print(json.dumps(loaded))
"""


@pytest.mark.skipif(
    keras.config.backend() != "jax",
    reason="runs its own JAX process; once, in the JAX session",
)
def test_no_other_framework_is_imported_on_jax():
    environment = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True,
        env=environment, timeout=300, check=True,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], (
        f"importing kerastricks on JAX imported {loaded}; import them "
        "lazily, where they are needed")
