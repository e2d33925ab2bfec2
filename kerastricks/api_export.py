"""The one decorator that makes an object public.

`kerastricks_export("kerastricks.optimizers.AdamP")` registers the object with
Keras serialization as `kerastricks>AdamP` and records its public path, so that
`tests/api_test.py` can check that exports, `__all__` lists and the Keras
registry agree.
"""

import keras

PUBLIC_PATHS = {}


def kerastricks_export(path):
    """Registers `obj` as serializable `kerastricks>Name` under `path`."""
    if not path.startswith("kerastricks.") or path.count(".") < 2:
        raise ValueError(
            "Argument `path` must look like 'kerastricks.<kind>.<Name>'. "
            f"Received: path={path!r}"
        )
    name = path.rsplit(".", 1)[1]

    def decorator(obj):
        if obj.__name__ != name:
            raise ValueError(
                f"Exported name {name!r} must equal the object's own name. "
                f"Received: path={path!r} for {obj.__name__!r}"
            )
        registered = keras.saving.register_keras_serializable(
            package="kerastricks", name=name
        )(obj)
        PUBLIC_PATHS[path] = registered
        return registered

    return decorator
