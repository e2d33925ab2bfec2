"""PyTorch implementations of kerastricks' backend needs."""

from kerastricks.backend.torch.optimizer_step import compile_optimizer_apply
