"""NumPy references for TrAct ("TrAct: Making First-layer Pre-Activations
Trainable", Petersen, Borgelt and Ermon, NeurIPS 2024, arXiv 2410.23970).

Written from the paper's procedure and the authors' formulas, in the Keras
kernel layout (d, m): `z = rows @ kernel`. Never imports keras or
kerastricks.
"""

import numpy as np


def np_tract_step(rows, upstream, kernel, learning_rate, lambda_):
    """The paper's two-step procedure, solved as a least-squares problem.

    (i) a gradient step on each row's pre-activations, with the per-row
    gradient b * G (G, the gradient of the mean loss, carries a 1/b);
    (ii) the kernel closest to that proposal, ridge-regularized towards the
    current kernel:
        argmin_K  ||rows @ K - z_proposal||^2 / b + lambda_ ||K - kernel||^2
    solved with `lstsq` on the stacked system, not with the closed form.
    """
    rows, upstream, kernel = (np.asarray(a, np.float64)
                              for a in (rows, upstream, kernel))
    num_rows, features = rows.shape
    proposal = rows @ kernel - learning_rate * num_rows * upstream
    scale = np.sqrt(lambda_)
    design = np.concatenate(
        [rows / np.sqrt(num_rows), scale * np.eye(features)])
    target = np.concatenate([proposal / np.sqrt(num_rows), scale * kernel])
    return np.linalg.lstsq(design, target, rcond=None)[0]


def np_tract_kernel_gradient(rows, upstream, lambda_):
    """Closed form, direct: (X^T X / b + lambda I_d)^-1 X^T G."""
    rows, upstream = (np.asarray(a, np.float64) for a in (rows, upstream))
    num_rows, features = rows.shape
    gram = rows.T @ rows / num_rows + lambda_ * np.eye(features)
    return np.linalg.inv(gram) @ rows.T @ upstream


def np_tract_kernel_gradient_woodbury(rows, upstream, lambda_):
    """The authors' form for b < d (their `TrActLinearFunction`), transposed
    to the Keras layout:
        (1 / lambda) X^T [I_b - (1 / lambda) K (K / lambda + I_b)^-1] G,
    with K = X X^T / b."""
    rows, upstream = (np.asarray(a, np.float64) for a in (rows, upstream))
    num_rows = rows.shape[0]
    eye = np.eye(num_rows)
    k = rows @ rows.T / num_rows
    middle = eye - k @ np.linalg.inv(k / lambda_ + eye) / lambda_
    return rows.T @ middle @ upstream / lambda_


def np_conv2d_patches(x, kernel_size, strides=(1, 1), padding="valid",
                      dilation_rate=(1, 1)):
    """Im2col of a channels-last batch by explicit loops: (B, H_out, W_out,
    kh * kw * C), each patch ordered (kh, kw, C). "same" pads
    total = max((out - 1) * stride + span - size, 0) with total // 2 before
    (TensorFlow's rule, which Keras follows on every backend)."""
    x = np.asarray(x)
    batch, height, width, channels = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, strides, dilation_rate

    def plan(size, k, s, d):
        span = (k - 1) * d + 1
        if padding == "valid":
            return (size - span) // s + 1, 0
        out = -(-size // s)
        return out, max((out - 1) * s + span - size, 0) // 2

    out_h, top = plan(height, kh, sh, dh)
    out_w, left = plan(width, kw, sw, dw)
    patches = np.zeros((batch, out_h, out_w, kh * kw * channels), x.dtype)
    for oh in range(out_h):
        for ow in range(out_w):
            column = 0
            for i in range(kh):
                for j in range(kw):
                    row = oh * sh + i * dh - top
                    col = ow * sw + j * dw - left
                    if 0 <= row < height and 0 <= col < width:
                        patches[:, oh, ow, column:column + channels] = (
                            x[:, row, col, :])
                    column += channels
    return patches


def np_tract_conv2d_kernel_gradient(x, upstream, kernel_shape, strides,
                                    padding, dilation_rate, lambda_):
    """TrAct for a Conv2D kernel (kh, kw, C, filters): patches as rows (one
    per output pixel, N = B * H_out * W_out), the closed form of
    `np_tract_kernel_gradient`, reshaped back to the kernel."""
    patches = np_conv2d_patches(x, kernel_shape[:2], strides, padding,
                                dilation_rate)
    rows = patches.reshape(-1, patches.shape[-1])
    upstream = np.asarray(upstream).reshape(-1, kernel_shape[-1])
    return np_tract_kernel_gradient(rows, upstream, lambda_).reshape(
        kernel_shape)
