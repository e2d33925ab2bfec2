"""The noise estimate and layer multipliers of noise-adaptive layerwise
learning rates ("Noise-Adaptive Layerwise Learning Rates: Accelerating
Geometry-Aware Optimization for Deep Neural Network Training", Hao et al.,
2025, arXiv 2510.14009) for Muon's spectral-norm LMO."""

import keras
from keras import ops


def nuclear_norm(x):
    """The nuclear norm (sum of singular values) of a 2D tensor, in float32
    at least: the dual of the spectral norm whose ball Muon's
    orthogonalized step solves the linear minimization oracle (LMO) of."""
    x = ops.convert_to_tensor(x)
    dtype = keras.backend.standardize_dtype(x.dtype)
    compute_dtype = "float64" if dtype == "float64" else "float32"
    if len(x.shape) != 2:
        raise ValueError(
            "Argument `x` must be a 2D tensor (a matrix). Received: "
            f"x.shape={tuple(x.shape)}")
    singular_values = ops.svd(ops.cast(x, compute_dtype),
                              full_matrices=False, compute_uv=False)
    return ops.sum(singular_values)


def muon_dual_norm(gradient, rms_rate):
    """The dual norm of the norm whose unit-ball LMO Keras's `Muon` step
    is: Muon moves a (m, n) matrix by `rms_rate * sqrt(max(m, n))` times an
    orthogonal matrix, the LMO of the spectral-norm ball of that radius ρ,
    whose dual norm is ρ times the nuclear norm. With `rms_rate=None` the
    radius is 1."""
    norm = nuclear_norm(gradient)
    if rms_rate is None:
        return norm
    rows, columns = gradient.shape
    return norm * (float(rms_rate) * float(max(rows, columns)) ** 0.5)


def update_noise_estimate(gradient, gradient_average, noise_estimate,
                          first_step, dual_norm, beta_1, beta_2):
    """One step of a layer's noise estimate; returns
    `(gradient_average, noise_estimate)`.

    ```python
    previous = gradient if first_step else gradient_average
    noise_estimate = (beta_2 * noise_estimate
                      + (1 - beta_2) * dual_norm(gradient - previous) ** 2)
    gradient_average = beta_1 * previous + (1 - beta_1) * gradient
    ```

    `first_step` is a boolean tensor: at the first step the average starts
    at the gradient, so no noise is counted yet.
    """
    gradient = ops.convert_to_tensor(gradient)
    gradient_average = ops.convert_to_tensor(gradient_average)
    gradient = ops.cast(gradient, gradient_average.dtype)
    previous = ops.where(first_step, gradient, gradient_average)
    deviation = dual_norm(gradient - previous)
    noise_estimate = ops.convert_to_tensor(noise_estimate)
    deviation = ops.cast(deviation, noise_estimate.dtype)
    noise_estimate = beta_2 * noise_estimate + (1.0 - beta_2) * ops.square(
        deviation)
    gradient_average = beta_1 * previous + (1.0 - beta_1) * gradient
    return gradient_average, noise_estimate


def noise_adaptive_multipliers(noise_estimates, epsilon=1e-12):
    """The learning-rate multipliers of the layers of one LMO group.

    ```python
    reference = mean(noise_estimates)
    multiplier = min(1, sqrt((reference + epsilon) / (noise + epsilon)))
    ```

    A layer whose gradient noise is at or below the group's mean keeps the
    base learning rate; a noisier layer's rate shrinks with the inverse
    square root of its noise ratio. Equal noise gives equal multipliers of
    1, so the step is the wrapped optimizer's own.

    Args:
        noise_estimates: 1D float tensor, one noise estimate per layer.
        epsilon: positive float added to both sides of the ratio.

    Returns:
        A 1D tensor of multipliers in (0, 1], one per layer.
    """
    noise_estimates = ops.convert_to_tensor(noise_estimates)
    reference = ops.mean(noise_estimates)
    ratio = (reference + epsilon) / (noise_estimates + epsilon)
    return ops.minimum(ops.sqrt(ratio), 1.0)
