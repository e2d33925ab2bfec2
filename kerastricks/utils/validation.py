"""Argument checks that raise errors quoting the received value."""

import math
import numbers

import keras
import numpy as np


def _received(name, value):
    return f"Received: {name}={value!r}"


def check_number(name, value):
    """Raises `TypeError` unless `value` is a real Python or NumPy number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"Argument `{name}` must be a real number. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    if math.isnan(value):
        raise ValueError(f"Argument `{name}` must not be NaN. "
                         f"{_received(name, value)}")
    return value


def check_in_range(
    name, value, low=None, high=None, low_inclusive=True, high_inclusive=True
):
    """Checks `low <= value <= high` (bounds optional, inclusivity chosen).

    Returns the value, so it can be used inline in an assignment.
    """
    check_number(name, value)
    too_low = low is not None and (
        value < low if low_inclusive else value <= low
    )
    too_high = high is not None and (
        value > high if high_inclusive else value >= high
    )
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        low_text = "-inf" if low is None else repr(low)
        high_text = "inf" if high is None else repr(high)
        raise ValueError(
            f"Argument `{name}` must be in {left}{low_text}, {high_text}"
            f"{right}. {_received(name, value)}"
        )
    return value


def check_positive(name, value):
    return check_in_range(name, value, low=0, low_inclusive=False)


def check_non_negative(name, value):
    return check_in_range(name, value, low=0)


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"Argument `{name}` must be an integer. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    if value <= 0:
        raise ValueError(
            f"Argument `{name}` must be a positive integer. "
            f"{_received(name, value)}"
        )
    return int(value)


def check_bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(
            f"Argument `{name}` must be a bool. "
            f"{_received(name, value)} of type {type(value).__name__}"
        )
    return value


def check_one_of(name, value, allowed):
    if value not in allowed:
        raise ValueError(
            f"Argument `{name}` must be one of {sorted(allowed)!r}. "
            f"{_received(name, value)}"
        )
    return value


def check_examples(name, data):
    """Checks an `(x, y)` pair of equal, non-zero lengths; returns NumPy
    arrays."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(
            f"Argument `{name}` must be a tuple (x, y). "
            f"Received: {name} of type {type(data).__name__}"
        )
    x, y = (np.asarray(part) for part in data)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(
            f"`{name}` x and y must hold the same, non-zero number of "
            f"examples. Received: {len(x)} inputs and {len(y)} labels"
        )
    return x, y


def check_built_model(name, model):
    """Checks that `model` is a built `keras.Model`; returns it."""
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"Argument `{name}` must be a keras.Model. "
            f"Received: {name} of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            f"Argument `{name}` must be built (call it or give it an Input). "
            f"Received: {name}={model.name}"
        )
    return model
