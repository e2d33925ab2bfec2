"""Looks up the kerastricks techniques that a recipe knob switches on.

A knob whose technique this kerastricks installation lacks offers only the
values that work (so a tuner never tries it), and asking for it anyway
raises an error naming the missing technique.
"""

import kerastricks


def find(path):
    """The kerastricks object at `path` ("layers.TrAct"), or `None`."""
    module_name, object_name = path.split(".")
    return getattr(getattr(kerastricks, module_name), object_name, None)


def require(path, hp_name, value):
    """Returns the kerastricks object at `path`, or raises a `ValueError`
    naming the hyperparameter value that asked for it."""
    found = find(path)
    if found is None:
        raise ValueError(missing_message(path, hp_name, value))
    return found


def missing_message(path, hp_name, value):
    return (
        f"Hyperparameter {hp_name}={value!r} needs kerastricks.{path}, which "
        f"this kerastricks installation does not have. Choose another value "
        f"for {hp_name!r}."
    )


def available(options):
    """Keeps the options (value -> technique path or `None`) whose
    technique exists; returns `(values, missing)` where `missing` maps each
    dropped value to its path."""
    values, missing = [], {}
    for value, path in options.items():
        if path is None or find(path) is not None:
            values.append(value)
        else:
            missing[value] = path
    return values, missing
