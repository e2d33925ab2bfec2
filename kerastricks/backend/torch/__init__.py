"""PyTorch implementations of kerastricks' backend needs."""

from kerastricks.backend.torch.input_gradients import loss_and_input_gradients
from kerastricks.backend.torch.per_example_gradients import (
    compile_per_example_gradients,
)
from kerastricks.backend.torch.projected_updates import adamp_update
from kerastricks.backend.torch.projected_updates import sgdp_update
from kerastricks.backend.torch.training_step import loss_and_gradients
from kerastricks.backend.torch.training_step import train_step
