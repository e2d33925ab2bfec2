"""TensorFlow implementations of kerastricks' backend needs."""

from kerastricks.backend.projected_updates import adamp_update
from kerastricks.backend.projected_updates import sgdp_update
from kerastricks.backend.tensorflow.input_gradients import (
    loss_and_input_gradients,
)
from kerastricks.backend.tensorflow.per_example_gradients import (
    compile_per_example_gradients,
)
from kerastricks.backend.tensorflow.training_step import loss_and_gradients
from kerastricks.backend.tensorflow.training_step import train_step
