"""NumPy reference of the residual stack and its parallel shallow
truncation ("Make Deep Networks Shallow Again", arXiv 2309.08414):
`x_k = x_(k-1) + F_k(x_(k-1))` and `x + sum_k F_k(x)` with `F_k(x) =
activation(conv_k(x) + b_k)`, "same" zero padding, stride 1."""

import numpy as np


def np_conv2d_same(x, kernel, bias):
    """`x` (batch, height, width, channels_in), `kernel` (kh, kw, in, out),
    cross-correlation as Keras's Conv2D, odd kernel sizes."""
    kh, kw = kernel.shape[:2]
    padded = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2),
                        (0, 0)))
    height, width = x.shape[1:3]
    out = np.zeros(x.shape[:3] + (kernel.shape[-1],))
    for i in range(kh):
        for j in range(kw):
            out += padded[:, i:i + height, j:j + width, :] @ kernel[i, j]
    return out + bias


def np_residual_stack(x, kernels, biases, activation=np.tanh):
    x = np.asarray(x, "float64")
    for kernel, bias in zip(kernels, biases):
        x = x + activation(np_conv2d_same(x, kernel, bias))
    return x


def np_parallel_shallow(x, kernels, biases, activation=np.tanh):
    x = np.asarray(x, "float64")
    return x + sum(activation(np_conv2d_same(x, kernel, bias))
                   for kernel, bias in zip(kernels, biases))
