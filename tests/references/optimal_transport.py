"""NumPy reference of log-domain Sinkhorn, the debiased Sinkhorn divergence
and the Monge gap (Uscidda and Cuturi, arXiv 2302.04953), written from the
equations in float64; no keras here."""

import itertools

import numpy as np


def _logsumexp(values, axis):
    largest = np.max(values, axis=axis, keepdims=True)
    largest = np.where(np.isfinite(largest), largest, 0.0)
    total = np.log(np.sum(np.exp(values - largest), axis=axis))
    return total + np.squeeze(largest, axis=axis)


def np_cost_matrix(x, y, cost="squared_euclidean"):
    x = np.asarray(x, "float64").reshape(len(x), -1)
    y = np.asarray(y, "float64").reshape(len(y), -1)
    squared = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    if cost == "squared_euclidean":
        return squared
    return np.sqrt(np.maximum(squared, 1e-12))


def _masses(weights, size):
    if weights is None:
        return np.full(size, 1.0 / size)
    weights = np.asarray(weights, "float64").reshape(-1)
    return weights / weights.sum()


def np_sinkhorn_cost(x, y, x_weights=None, y_weights=None, epsilon=None,
                     num_iterations=100, cost="squared_euclidean"):
    """<f, a> + <g, b> after `num_iterations` log-domain updates
    f = -eps log sum_j b_j exp((g_j - C_ij) / eps), then
    g = -eps log sum_i a_i exp((f_i - C_ij) / eps), from g = 0."""
    costs = np_cost_matrix(x, y, cost)
    return _sinkhorn_from_costs(costs, _masses(x_weights, len(costs)),
                                _masses(y_weights, costs.shape[1]),
                                _epsilon(costs, epsilon), num_iterations)


def _epsilon(costs, epsilon):
    return 0.05 * costs.mean() if epsilon is None else epsilon


def _sinkhorn_from_costs(costs, a, b, epsilon, num_iterations):
    with np.errstate(divide="ignore"):
        log_a, log_b = np.log(a), np.log(b)
    f, g = np.zeros(len(a)), np.zeros(len(b))
    for _ in range(num_iterations):
        f = -epsilon * _logsumexp(log_b[None, :] + (g[None, :] - costs)
                                  / epsilon, axis=1)
        g = -epsilon * _logsumexp(log_a[:, None] + (f[:, None] - costs)
                                  / epsilon, axis=0)
    return float(a @ f + b @ g)


def np_sinkhorn_divergence(x, y, x_weights=None, y_weights=None,
                           epsilon=None, num_iterations=100,
                           cost="squared_euclidean"):
    """W(a, b) - (W(a, a) + W(b, b)) / 2, all three at the epsilon of the
    cross term."""
    cross = np_cost_matrix(x, y, cost)
    epsilon = _epsilon(cross, epsilon)
    a = _masses(x_weights, len(cross))
    b = _masses(y_weights, cross.shape[1])
    return (_sinkhorn_from_costs(cross, a, b, epsilon, num_iterations)
            - 0.5 * _sinkhorn_from_costs(np_cost_matrix(x, x, cost), a, a,
                                         epsilon, num_iterations)
            - 0.5 * _sinkhorn_from_costs(np_cost_matrix(y, y, cost), b, b,
                                         epsilon, num_iterations))


def np_monge_gap(x, mapped, weights=None, epsilon=None, num_iterations=100,
                 cost="squared_euclidean"):
    """sum_i rho_i c(x_i, T(x_i)) - W_eps(rho, T#rho)."""
    costs = np_cost_matrix(x, mapped, cost)
    rho = _masses(weights, len(costs))
    displacement = float(rho @ np.diag(costs))
    return displacement - _sinkhorn_from_costs(
        costs, rho, rho, _epsilon(costs, epsilon), num_iterations)


def np_exact_assignment_cost(x, y, cost="squared_euclidean"):
    """The unregularized OT cost between two clouds of n uniform points:
    the cheapest permutation (n! of them, for tiny n only)."""
    costs = np_cost_matrix(x, y, cost)
    n = len(costs)
    return min(costs[np.arange(n), list(perm)].mean()
               for perm in itertools.permutations(range(n)))
