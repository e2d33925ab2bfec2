import jax
import numpy as np

from kerastricks.backend.value_checks import invalid_values_error


def _raise_if_invalid(valid, values, message):
    error = invalid_values_error(np.asarray(valid), np.asarray(values),
                                 message)
    if error is not None:
        raise error


def checked_values(valid, values, message):
    if isinstance(valid, jax.core.Tracer) or isinstance(values,
                                                        jax.core.Tracer):
        # Runs on the host when the compiled step executes; JAX re-raises
        # the error from the step's result.
        jax.debug.callback(
            lambda valid, values: _raise_if_invalid(valid, values, message),
            valid, values,
        )
        return values
    _raise_if_invalid(valid, values, message)
    return values
