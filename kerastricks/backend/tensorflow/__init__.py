"""TensorFlow implementations of kerastricks' backend needs."""

from kerastricks.backend.tensorflow.optimizer_step import (
    compile_optimizer_apply,
)
