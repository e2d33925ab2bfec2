"""NumPy references for S4D, written from the equations of Gu et al.,
"On the Parameterization and Initialization of Diagonal State Space
Models" (arXiv 2206.11893) and "How to Train Your HiPPO" (arXiv
2206.12037), with NumPy's complex numbers (no real/imaginary split)."""

import numpy as np


def np_hippo_legs(state_size):
    """HiPPO-LegS, entry by entry: A[n, k] = -sqrt((2n+1)(2k+1)) for n > k,
    -(n+1) for n = k, 0 for n < k."""
    matrix = np.zeros((state_size, state_size))
    for n in range(state_size):
        for k in range(state_size):
            if n > k:
                matrix[n, k] = -np.sqrt((2 * n + 1) * (2 * k + 1))
            elif n == k:
                matrix[n, k] = -(n + 1)
    return matrix


def np_legs_spectrum(state_size):
    """The eigenvalues of the normal part A + P P^T, P_n = sqrt(n + 1/2),
    with positive imaginary part, sorted by it (np.linalg.eigvals of the
    full matrix)."""
    p = np.sqrt(np.arange(state_size) + 0.5)
    eigenvalues = np.linalg.eigvals(np_hippo_legs(state_size)
                                    + np.outer(p, p))
    upper = eigenvalues[eigenvalues.imag > 0]
    return upper[np.argsort(upper.imag)]


def np_s4d_recurrence(u, step, a, c, d):
    """The ZOH-discretized diagonal SSM run step by step.

    u: (batch, time, channels) real; step: (channels,); a, c:
    (channels, modes) complex (the conjugate halves implied); d:
    (channels,). x_t = exp(dt a) x_{t-1} + (exp(dt a) - 1) / a * u_t
    (B = 1), y_t = 2 Re(sum_n c_n x_t,n) + d u_t.
    """
    u = np.asarray(u, "float64")
    a_bar = np.exp(step[:, None] * a)
    b_bar = (a_bar - 1.0) / a
    state = np.zeros((u.shape[0],) + a.shape, "complex128")
    outputs = []
    for t in range(u.shape[1]):
        state = a_bar * state + b_bar * u[:, t, :, None]
        outputs.append(2.0 * np.real(np.sum(c * state, axis=-1))
                       + d * u[:, t])
    return np.stack(outputs, axis=1)


def np_s4d_kernel(step, a, c, length):
    """K[h, l] = 2 Re(sum_n c (exp(dt a) - 1) / a exp(dt a)^l), the
    impulse response of `np_s4d_recurrence` without d."""
    a_bar = np.exp(step[:, None] * a)
    weights = c * (a_bar - 1.0) / a
    powers = a_bar[..., None] ** np.arange(length)
    return 2.0 * np.real(np.einsum("hn,hnl->hl", weights, powers))
