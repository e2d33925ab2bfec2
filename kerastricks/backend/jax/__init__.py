"""JAX implementations of kerastricks' backend needs."""

from kerastricks.backend.jax.optimizer_step import compile_optimizer_apply
