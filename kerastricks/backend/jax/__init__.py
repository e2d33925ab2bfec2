"""JAX implementations of kerastricks' backend needs."""

from kerastricks.backend.jax.input_gradients import loss_and_input_gradients
from kerastricks.backend.jax.per_example_gradients import (
    compile_per_example_gradients,
)
from kerastricks.backend.jax.training_step import loss_and_gradients
from kerastricks.backend.jax.training_step import train_step
from kerastricks.backend.projected_updates import adamp_update
from kerastricks.backend.projected_updates import sgdp_update
