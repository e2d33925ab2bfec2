"""NumPy references of the instability measurements of Wortsman et al.,
2023, "Small-scale proxies for large-scale Transformer training
instabilities" (arXiv 2309.14322)."""

import numpy as np


def np_attention_logits(x_query, x_key, query_kernel, key_kernel,
                        query_bias=None, key_bias=None):
    """z[b, h, t, s] = <q_bt^h, k_bs^h> / sqrt(d), with
    q = x_query @ W_q (+ b_q) per head; kernels (features, heads, d)."""
    q = np.einsum("btf,fhd->bthd", x_query, query_kernel)
    k = np.einsum("bsf,fhd->bshd", x_key, key_kernel)
    if query_bias is not None:
        q = q + query_bias
        k = k + key_bias
    return np.einsum("bthd,bshd->bhts", q, k) / np.sqrt(q.shape[-1])


def np_max_abs_logit(logits, causal=False):
    """max |z| over the pairs the softmax uses."""
    magnitude = np.abs(logits)
    if causal:
        target, source = logits.shape[-2:]
        magnitude = np.where(np.tril(np.ones((target, source), bool)),
                             magnitude, 0.0)
    return magnitude.max()


def np_mean_log_z(logits):
    """mean over positions of log sum_i exp(y_i)."""
    top = logits.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(logits - top).sum(axis=-1)) + top[..., 0]
    return log_z.mean()


def np_linear_mse_gradient_rms(x, y, kernel, bias):
    """RMS of the gradient of mean((x @ W + b - y)**2) over (W, b)
    together, for one output: dW = 2/N x^T r, db = 2/N sum(r)."""
    residual = x @ kernel + bias - y
    count = len(x)
    kernel_gradient = 2.0 / count * x.T @ residual
    bias_gradient = 2.0 / count * residual.sum(axis=0)
    squares = np.sum(kernel_gradient ** 2) + np.sum(bias_gradient ** 2)
    return np.sqrt(squares / (kernel_gradient.size + bias_gradient.size))
