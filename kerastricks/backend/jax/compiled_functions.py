import jax


def compile_pure_function(fn, static_argnames):
    return jax.jit(fn, static_argnames=static_argnames)
