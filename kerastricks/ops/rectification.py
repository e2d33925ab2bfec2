"""The variance rectification of RAdam ("On the Variance of the Adaptive
Learning Rate and Beyond", Liu et al., ICLR 2020, arXiv 1908.03265), which
AdaBelief's authors reuse for their rectified variant."""

import math

from keras import ops

# Below this u = t * ln(1 / beta_2), u / (e^u - 1) is summed as its series:
# the closed form loses the small terms that rho_t is made of.
_SERIES_LIMIT = 1.0


def one_minus_power(beta, step):
    """`1 - beta**step` without the cancellation of float32 when
    `beta**step` is close to 1: `-expm1(step * ln(beta))`, the logarithm
    taken in float64 on the host. `beta` is a Python float in [0, 1)."""
    if beta == 0:
        return ops.ones_like(step)
    return -ops.expm1(step * math.log(beta))


def _rho(step, beta_2):
    """rho_t = rho_inf - 2 t beta_2**t / (1 - beta_2**t), accurate in
    float32 where rho_t is small and rho_inf large (the differences of
    large terms are taken on the host in float64)."""
    rho_inf = 2.0 / (1.0 - beta_2) - 1.0
    if beta_2 == 0:
        return ops.full_like(step, rho_inf)
    log_inverse = -math.log(beta_2)
    u = step * log_inverse
    # For small u, with h(u) = u / (e^u - 1) - 1 + u / 2 as its Bernoulli
    # series: rho_t = (rho_inf - 2 / L) + t - (2 / L) h(u), L = ln(1/beta_2).
    u2 = ops.square(u)
    h = u2 * (1.0 / 12.0 + u2 * (-1.0 / 720.0 + u2 * (
        1.0 / 30240.0 - u2 / 1209600.0)))
    series = (rho_inf - 2.0 / log_inverse) + step - (2.0 / log_inverse) * h
    # For large u the subtracted term is small: the closed form is exact.
    safe_u = ops.maximum(u, _SERIES_LIMIT)
    closed_form = rho_inf - 2.0 * step * ops.exp(-safe_u) / (
        -ops.expm1(-safe_u))
    return ops.where(ops.less(u, _SERIES_LIMIT), series, closed_form)


def variance_rectification(step, beta_2, threshold=5.0):
    """The rectifier r_t of RAdam and whether the adaptive step is taken.

    ```python
    rho_inf = 2 / (1 - beta_2) - 1
    rho_t = rho_inf - 2 * t * beta_2**t / (1 - beta_2**t)
    r_t = sqrt((rho_t - 4) (rho_t - 2) rho_inf
               / ((rho_inf - 4) (rho_inf - 2) rho_t))
    adaptive = rho_t >= threshold
    ```

    rho_t approximates the degrees of freedom of the second-moment
    estimate; while it is small the adaptive learning rate has no bounded
    variance, so the optimizer takes an un-adapted (momentum SGD) step
    instead. `r_t` is set to 0 where `adaptive` is false, so that it stays
    finite. rho_t is the small difference of two numbers near rho_inf
    (about 2000 for `beta_2=0.999`), so it is computed from a series
    instead, accurate to float32 precision.

    Args:
        step: float scalar tensor, the 1-based step t.
        beta_2: Python float in [0, 1), decay of the second moment.
        threshold: float >= 4, the smallest rho_t that takes the adaptive
            step. The paper's Algorithm 2 states rho_t > 4 (r_t is 0 at
            rho_t = 4, so `4.0` is that rule); the authors' code uses
            rho_t >= 5. Defaults to `5.0`.

    Returns:
        `(r_t, adaptive)`: a float scalar in `step`'s dtype and a boolean
        scalar.
    """
    rho_inf = 2.0 / (1.0 - beta_2) - 1.0
    rho_t = _rho(step, beta_2)
    adaptive = ops.greater_equal(rho_t, threshold)
    # Clamped so that the square root of the branch not taken stays finite.
    safe_rho_t = ops.maximum(rho_t, 4.0)
    ratio = (safe_rho_t - 4.0) * (safe_rho_t - 2.0) / safe_rho_t * (
        rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0)))
    rectifier = ops.where(adaptive, ops.sqrt(ratio), ops.zeros_like(ratio))
    return rectifier, adaptive


def rectified_direction(m, second_moment, step, beta_1, beta_2, epsilon,
                        threshold, degenerated_to_sgd):
    """The step direction of a rectified Adam-type optimizer (RAdam, and
    AdaBelief with `rectify=True`, whose `second_moment` is its belief s_t).

    Where `adaptive` (rho_t >= `threshold`): r_t * sqrt(1 - beta_2**t) /
    (1 - beta_1**t) * m / (sqrt(second_moment) + epsilon); elsewhere the
    bias-corrected momentum m / (1 - beta_1**t) if `degenerated_to_sgd`,
    else no step. Returns `(direction, adaptive)`.
    """
    bias_correction_1 = one_minus_power(beta_1, step)
    bias_correction_2 = one_minus_power(beta_2, step)
    rectifier, adaptive = variance_rectification(step, beta_2, threshold)
    adaptive_direction = (
        rectifier * ops.sqrt(bias_correction_2) / bias_correction_1
    ) * (m / (ops.sqrt(second_moment) + epsilon))
    fallback = 1.0 if degenerated_to_sgd else 0.0
    sgd_direction = (fallback / bias_correction_1) * m
    return ops.where(adaptive, adaptive_direction, sgd_direction), adaptive

