"""Imports of packages that only an extra installs, with the install hint.

`pip install kerastricks` installs keras and numpy: every optimizer, layer,
loss, callback and model wrapper works with them. The recipes and the
`kerastricks` command need more, and a missing package must say which
extra brings it:

```python
keras_tuner = import_optional("keras_tuner", "kerastricks.recipes")
```

raises, without KerasTuner, `MissingDependencyError: kerastricks.recipes
needs keras_tuner (distribution keras-tuner), which is not installed:
pip install 'kerastricks[recipes]'`.
"""

import importlib

# Module -> (distribution on PyPI, the kerastricks extra that installs it).
# setup.cfg's `[options.extras_require]` lists the same distributions;
# tests/cli/packaging_test.py checks that the two agree.
OPTIONAL_MODULES = {
    "keras_tuner": ("keras-tuner", "recipes"),
    "matplotlib": ("matplotlib", "recipes"),
    "optuna": ("optuna", "recipes"),
    "sklearn": ("scikit-learn", "recipes"),
    "tensorflow_datasets": ("tensorflow-datasets", "data"),
}


class MissingDependencyError(ImportError):
    """An optional package is not installed; the message names its extra."""


def install_hint(extra):
    """`pip install 'kerastricks[extra]'`."""
    return f"pip install 'kerastricks[{extra}]'"


def import_optional(module_name, needed_by):
    """Imports `module_name` (e.g. `"matplotlib.pyplot"`) or raises a
    `MissingDependencyError` that names `needed_by` (what needs it) and the
    extra to install.

    A package that is installed but fails to import (a broken dependency of
    its own, such as KerasTuner without TensorBoard on TensorFlow) raises the
    same error, quoting the underlying one.
    """
    top_level = module_name.split(".")[0]
    if top_level not in OPTIONAL_MODULES:
        raise ValueError(
            f"Argument `module_name` must be a module of "
            f"{sorted(OPTIONAL_MODULES)}. Received: module_name="
            f"{module_name!r}"
        )
    distribution, extra = OPTIONAL_MODULES[top_level]
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        raise MissingDependencyError(
            f"{needed_by} needs {top_level} (distribution {distribution}), "
            f"which cannot be imported ({error}). Install it with: "
            f"{install_hint(extra)}"
        ) from error
