"""Checks that start fresh Python processes but whose subject does not
depend on the backend (import errors of a missing extra, the coordination
of several search workers) run on one backend each, spread over the
three: every subprocess costs seconds of imports on the 2-core CI machine,
and the training they start is tested on every backend elsewhere."""

import keras
import pytest

BACKENDS = ("tensorflow", "jax", "torch")


def only_on(backend, reason):
    """Skips the calling test unless Keras runs `backend`."""
    if backend not in BACKENDS:
        raise ValueError(f"Argument `backend` must be one of {BACKENDS}. "
                         f"Received: backend={backend!r}")
    if keras.config.backend() != backend:
        pytest.skip(f"runs on {backend} only: {reason}")


def spread(cases):
    """`pytest.param`s of `cases`, each given the backend it runs on, in
    turn (pass it on to `only_on`)."""
    return [pytest.param(*case if isinstance(case, tuple) else (case,),
                         BACKENDS[index % len(BACKENDS)])
            for index, case in enumerate(cases)]
