"""NumPy references for binary layers and their gradient estimators.

Written from the papers' equations: the clipped straight-through estimator
(BinaryConnect, arXiv 1511.00363; XNOR-Net, arXiv 1603.05279), ReSTE ("Estimator
Meets Equilibrium Perspective: A Rectified Straight Through Estimator for
Binary Neural Networks Training", arXiv 2308.06689, with the authors'
interval 0.1 and threshold t), BiPer ("BiPer: Binary Neural Networks using
a Periodic Function", arXiv 2404.01278) and Bi-Real's ApproxSign (arXiv
1808.00278). Never imports keras or kerastricks.
"""

import numpy as np

RESTE_INTERVAL = 0.1


def np_sign(x):
    """sign with sign(0) = +1: the output is always binary."""
    return np.where(np.asarray(x) >= 0, 1.0, -1.0)


def np_forward(x, estimator, omega=20.0):
    if estimator == "biper":
        return np_sign(np.sin(omega * np.asarray(x, np.float64)))
    return np_sign(x)


def np_ste_derivative(x, threshold=1.0):
    return (np.abs(x) <= threshold).astype(np.float64)


def np_reste_forward_equivalent(x, root_degree):
    """The function whose derivative ReSTE back-propagates:
    sign(x) |x|^(1/o)."""
    return np.sign(x) * np.abs(x) ** (1.0 / root_degree)


def np_reste_derivative(x, root_degree=1.0, threshold=1.5):
    """d/dx of `np_reste_forward_equivalent` on 0.1 < |x| <= t, the slope
    of its secant over [0, 0.1] for |x| <= 0.1, zero beyond t; computed
    element by element."""
    x = np.asarray(x, np.float64)
    out = np.zeros_like(x)
    for index, value in np.ndenumerate(x):
        magnitude = abs(value)
        if magnitude <= RESTE_INTERVAL:
            out[index] = (np_reste_forward_equivalent(
                RESTE_INTERVAL, root_degree) / RESTE_INTERVAL)
        elif magnitude <= threshold:
            out[index] = (1.0 / root_degree) * magnitude ** (
                (1.0 - root_degree) / root_degree)
    return out


def np_biper_derivative(x, omega=20.0):
    """d/dx sin(omega x)."""
    return omega * np.cos(omega * np.asarray(x, np.float64))


def np_approx_sign_derivative(x):
    """Bi-Real's ApproxSign: the derivative of 2x + x|x| on [-1, 1]."""
    return np.clip(2.0 - 2.0 * np.abs(x), 0.0, None)


def np_derivative(x, estimator, threshold=None, root_degree=1.0,
                  omega=20.0):
    if estimator == "ste":
        return np_ste_derivative(x, 1.0 if threshold is None else threshold)
    if estimator == "reste":
        return np_reste_derivative(x, root_degree,
                                   1.5 if threshold is None else threshold)
    if estimator == "biper":
        return np_biper_derivative(x, omega)
    return np_approx_sign_derivative(x)


def np_biper_quantization_error(w, omega):
    wave = np.sin(omega * np.asarray(w, np.float64))
    return np.mean(np.abs(wave - np_sign(wave)))


def np_kernel_scale(kernel, kernel_scale):
    kernel = np.asarray(kernel, np.float64)
    if kernel_scale == "channel":
        return np.mean(np.abs(kernel), axis=tuple(range(kernel.ndim - 1)))
    if kernel_scale == "tensor":
        return np.mean(np.abs(kernel))
    return 1.0


def np_binary_dense(x, kernel, estimator="ste", kernel_scale="channel",
                    binary_activations=True, omega=20.0):
    """sign(x) @ (binarized kernel * scale)."""
    inputs = np_sign(x) if binary_activations else np.asarray(x, np.float64)
    weights = np_forward(kernel, estimator, omega) * np_kernel_scale(
        kernel, kernel_scale)
    return inputs @ weights


def np_binary_conv2d(x, kernel, strides=(1, 1), padding="valid",
                     estimator="ste", kernel_scale="channel", omega=20.0):
    """Channels-last convolution of sign(x) with the scaled binary kernel,
    by explicit loops over output pixels (zero padding after the sign)."""
    inputs = np_sign(x)
    weights = np_forward(kernel, estimator, omega) * np_kernel_scale(
        kernel, kernel_scale)
    kernel_h, kernel_w, _, filters = weights.shape
    batch, height, width, _ = inputs.shape
    if padding == "same":
        out_h, out_w = -(-height // strides[0]), -(-width // strides[1])
        pad_h = max((out_h - 1) * strides[0] + kernel_h - height, 0)
        pad_w = max((out_w - 1) * strides[1] + kernel_w - width, 0)
        inputs = np.pad(inputs, ((0, 0), (pad_h // 2, pad_h - pad_h // 2),
                                 (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    else:
        out_h = (height - kernel_h) // strides[0] + 1
        out_w = (width - kernel_w) // strides[1] + 1
    out = np.zeros((batch, out_h, out_w, filters))
    for i in range(out_h):
        for j in range(out_w):
            patch = inputs[:, i * strides[0]:i * strides[0] + kernel_h,
                           j * strides[1]:j * strides[1] + kernel_w, :]
            out[:, i, j, :] = np.einsum("bhwc,hwcf->bf", patch, weights)
    return out


def np_reste_schedule(epochs, total_epochs, start=1.0, end=3.0):
    """The authors' o per epoch: start + (end - start)(1 - cos(pi/2 e/E))."""
    ratio = np.asarray(epochs, np.float64) / total_epochs
    return start + (1.0 - np.cos(ratio * np.pi * 0.5)) * (end - start)


def np_binary_conv2d_kernel_gradient(x, kernel, upstream, estimator="ste",
                                     omega=20.0, root_degree=1.0):
    """dL/d(latent kernel) of an unscaled, valid, stride-1 binary
    convolution with binary inputs: the surrogate derivative times the
    correlation of sign(x) with the upstream gradient."""
    inputs = np_sign(x)
    kernel_h, kernel_w = kernel.shape[:2]
    _, out_h, out_w, _ = upstream.shape
    correlation = np.zeros(kernel.shape)
    for i in range(out_h):
        for j in range(out_w):
            patch = inputs[:, i:i + kernel_h, j:j + kernel_w, :]
            correlation += np.einsum("bhwc,bf->hwcf", patch,
                                     upstream[:, i, j, :])
    return correlation * np_derivative(kernel, estimator,
                                       root_degree=root_degree, omega=omega)
