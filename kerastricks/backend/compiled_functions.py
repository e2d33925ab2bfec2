"""Pure tensor functions compiled once per input shape where the backend
can do so cheaply for eager calls.

The backend need `compile_pure_function(fn, static_argnames)`, one
implementation per backend in
`kerastricks/backend/<name>/compiled_functions.py`:

- JAX: `jax.jit`. An eager `keras.ops.fori_loop` compiles its body anew
  on every call, and a Python loop compiles each op for each new shape;
  a jitted function compiles once per input shape and is reused, and
  inside a compiled step it simply inlines;
- TensorFlow and torch: the function itself (their eager loops run op by
  op without compiling, and their compiled steps trace it as usual).

`fn` must be pure: tensors in, tensors out, no Keras variables.
"""

import importlib

import keras


def compile_pure_function(fn, static_argnames=()):
    """`fn`, compiled per input shape where the backend supports it."""
    name = keras.config.backend()
    module = importlib.import_module(
        f"kerastricks.backend.{name}.compiled_functions")
    return module.compile_pure_function(fn, static_argnames)
