"""Entropic optimal transport between point clouds: log-domain Sinkhorn with
a fixed number of iterations (so that it traces once under `jit`), the
debiased Sinkhorn divergence, and the Monge gap of "The Monge Gap: A
Regularizer to Learn All Transport Maps" (Uscidda and Cuturi, 2023,
arXiv 2302.04953).
"""

import keras
from keras import ops

from kerastricks.backend import compiled_functions
from kerastricks.utils import validation

COSTS = ("squared_euclidean", "euclidean")
# The scale of the default epsilon, relative to the mean of the cost matrix.
RELATIVE_EPSILON = 0.05
# Below this squared distance the Euclidean cost takes sqrt(floor) instead:
# sqrt has an infinite derivative at 0, met on the diagonal of W(x, x).
_SQUARED_DISTANCE_FLOOR = 1e-12


def _point_cloud(owner, name, points):
    """A float32 `(n, d)` tensor: trailing axes are flattened."""
    points = ops.convert_to_tensor(points)
    validation.check_floating_input(owner, name, points)
    if len(points.shape) < 2:
        raise ValueError(
            f"{owner} expects `{name}` of rank >= 2 (a batch of points, "
            f"trailing axes flattened). Received: {name} of shape "
            f"{tuple(points.shape)}"
        )
    if len(points.shape) > 2:
        points = ops.reshape(points, (ops.shape(points)[0], -1))
    return ops.cast(points, "float32")


def _check_same_dimension(owner, x_name, x, y_name, y):
    if x.shape[1] is not None and y.shape[1] is not None and (
            x.shape[1] != y.shape[1]):
        raise ValueError(
            f"{owner} needs points of the same dimension in `{x_name}` and "
            f"`{y_name}`. Received: {x_name} with {x.shape[1]} features and "
            f"{y_name} with {y.shape[1]} features (trailing axes flattened)"
        )


def check_options(epsilon, num_iterations, cost):
    """Validates the shared options; returns them."""
    if epsilon is not None:
        validation.check_positive("epsilon", epsilon)
    validation.check_positive_int("num_iterations", num_iterations)
    validation.check_one_of("cost", cost, COSTS)
    return epsilon, num_iterations, cost


def cost_matrix(x, y, cost="squared_euclidean"):
    """`C[i, j] = c(x_i, y_j)`: `|x_i - y_j|^2` or `|x_i - y_j|`.

    Differences are taken directly (not via a Gram matrix) so that
    `C[i, i] = 0` exactly when `x = y`.
    """
    squared = ops.sum(ops.square(x[:, None, :] - y[None, :, :]), axis=-1)
    if cost == "squared_euclidean":
        return squared
    return ops.sqrt(ops.maximum(squared, _SQUARED_DISTANCE_FLOOR))


def _log_weights(weights, num_points):
    if weights is None:
        return ops.full((num_points,), -ops.log(ops.cast(num_points,
                                                         "float32")))
    weights = ops.cast(ops.reshape(weights, (-1,)), "float32")
    return ops.log(weights / ops.sum(weights))


def sinkhorn_potentials(costs, log_a, log_b, epsilon, num_iterations):
    """Dual potentials `(f, g)` after `num_iterations` alternating updates.

    ```python
    f_i = -eps * logsumexp_j(log b_j + (g_j - C_ij) / eps)
    g_j = -eps * logsumexp_i(log a_i + (f_i - C_ij) / eps)
    ```
    starting from `g = 0`; the g-update comes last, so the plan's second
    marginal is exact and the dual objective needs no correction term.
    """
    solve = _COMPILED_SOLVERS.get(keras.config.backend())
    if solve is None:
        solve = compiled_functions.compile_pure_function(
            _sinkhorn_potentials, static_argnames=("num_iterations",))
        _COMPILED_SOLVERS[keras.config.backend()] = solve
    return solve(costs, log_a, log_b, ops.convert_to_tensor(epsilon,
                                                            "float32"),
                 num_iterations=num_iterations)


# One compiled solver per backend, reused across calls (see
# `kerastricks.backend.compiled_functions`).
_COMPILED_SOLVERS = {}


def _sinkhorn_potentials(costs, log_a, log_b, epsilon, num_iterations):
    def update(_, potentials):
        f, g = potentials
        f = -epsilon * ops.logsumexp(
            log_b[None, :] + (g[None, :] - costs) / epsilon, axis=1)
        g = -epsilon * ops.logsumexp(
            log_a[:, None] + (f[:, None] - costs) / epsilon, axis=0)
        return f, g

    potentials = (ops.zeros_like(log_a), ops.zeros_like(log_b))
    if keras.config.backend() == "tensorflow":
        # XLA differentiates a TensorFlow while loop only when its trip
        # count is declared (`maximum_iterations`); `fori_loop` does not.
        _, f, g = ops.while_loop(
            lambda step, f, g: step < num_iterations,
            lambda step, f, g: (step + 1, *update(step, (f, g))),
            (0, *potentials), maximum_iterations=num_iterations)
        return f, g
    return ops.fori_loop(0, num_iterations, update, potentials)


def sinkhorn_cost(x, y, x_weights=None, y_weights=None, epsilon=None,
                  num_iterations=100, cost="squared_euclidean"):
    """Entropic OT cost `W_eps(a, b)` between two weighted point clouds.

    The dual objective `<f, a> + <g, b>` of the log-domain Sinkhorn
    potentials, which equals `min_P <P, C> + eps * KL(P | a b^T)` at
    convergence.

    Args:
        x: float tensor `(n, ...)`, the source points (trailing axes are
            flattened).
        y: float tensor `(m, ...)`, the target points.
        x_weights: optional `(n,)` non-negative masses of `x` (normalized
            to sum to 1). Defaults to uniform.
        y_weights: optional `(m,)` masses of `y`. Defaults to uniform.
        epsilon: positive float, the entropic regularization, or `None`
            for `0.05 * mean(C)` (a constant for the gradient). Defaults to
            `None`.
        num_iterations: positive int, the Sinkhorn iterations (a fixed
            count, so the loop compiles once). Defaults to `100`.
        cost: `"squared_euclidean"` or `"euclidean"`. Defaults to
            `"squared_euclidean"`.

    Returns:
        A float32 scalar.
    """
    check_options(epsilon, num_iterations, cost)
    x = _point_cloud("sinkhorn_cost", "x", x)
    y = _point_cloud("sinkhorn_cost", "y", y)
    _check_same_dimension("sinkhorn_cost", "x", x, "y", y)
    return _sinkhorn_cost(x, y, x_weights, y_weights, epsilon,
                          num_iterations, cost)


def _epsilon(costs, epsilon):
    if epsilon is None:
        return ops.stop_gradient(RELATIVE_EPSILON * ops.mean(costs))
    return epsilon


def _sinkhorn_cost(x, y, x_weights, y_weights, epsilon, num_iterations,
                   cost, costs=None):
    if costs is None:
        costs = cost_matrix(x, y, cost)
    log_a = _log_weights(x_weights, ops.shape(x)[0])
    log_b = _log_weights(y_weights, ops.shape(y)[0])
    f, g = sinkhorn_potentials(costs, log_a, log_b,
                               _epsilon(costs, epsilon), num_iterations)
    # exp(-inf) = 0 drops zero-mass points (whose potentials are finite).
    return ops.sum(ops.exp(log_a) * f) + ops.sum(ops.exp(log_b) * g)


def sinkhorn_divergence(x, y, x_weights=None, y_weights=None, epsilon=None,
                        num_iterations=100, cost="squared_euclidean"):
    """Debiased Sinkhorn divergence
    `W(a, b) - (W(a, a) + W(b, b)) / 2` (Genevay et al., 2018).

    Zero when the two weighted clouds are equal, positive otherwise (at
    convergence). `epsilon=None` takes `0.05 * mean(C(x, y))` for all three
    terms. Arguments as `sinkhorn_cost`.
    """
    check_options(epsilon, num_iterations, cost)
    x = _point_cloud("sinkhorn_divergence", "x", x)
    y = _point_cloud("sinkhorn_divergence", "y", y)
    _check_same_dimension("sinkhorn_divergence", "x", x, "y", y)
    cross_costs = cost_matrix(x, y, cost)
    epsilon = _epsilon(cross_costs, epsilon)
    cross = _sinkhorn_cost(x, y, x_weights, y_weights, epsilon,
                           num_iterations, cost, costs=cross_costs)
    x_self = _sinkhorn_cost(x, x, x_weights, x_weights, epsilon,
                            num_iterations, cost)
    y_self = _sinkhorn_cost(y, y, y_weights, y_weights, epsilon,
                            num_iterations, cost)
    return cross - 0.5 * (x_self + y_self)


def monge_gap(x, mapped, weights=None, epsilon=None, num_iterations=100,
              cost="squared_euclidean"):
    """The Monge gap of a map T on reference samples `x ~ rho`.

    ```python
    gap = sum_i rho_i * c(x_i, T(x_i)) - W_eps(rho, T#rho)
    ```
    The cost of moving each point to its image, minus the entropic OT cost
    between the points and their images: the displacement is one coupling,
    so the gap is >= 0 up to the entropic bias (>= -eps * log n), and it is
    ~0 exactly when T moves mass optimally for `c` (for the squared cost:
    when T is the gradient of a convex function, e.g. x -> A x + b with A
    symmetric positive definite).

    Args:
        x: float tensor `(n, ...)`, the reference samples.
        mapped: float tensor of the shape of `x`, their images `T(x)`.
        weights: optional `(n,)` non-negative masses of the samples.
            Defaults to uniform.
        epsilon: as `sinkhorn_cost` (`None`: `0.05 * mean(C(x, T(x)))`).
        num_iterations: as `sinkhorn_cost`.
        cost: as `sinkhorn_cost`.

    Returns:
        A float32 scalar.
    """
    check_options(epsilon, num_iterations, cost)
    x = _point_cloud("monge_gap", "x", x)
    mapped = _point_cloud("monge_gap", "mapped", mapped)
    _check_same_dimension("monge_gap", "x", x, "mapped", mapped)
    validation.check_same_size("monge_gap", "number of points",
                               {"x": x.shape, "mapped": mapped.shape})
    costs = cost_matrix(x, mapped, cost)
    log_weights = _log_weights(weights, ops.shape(x)[0])
    displacement = ops.sum(ops.exp(log_weights) * ops.diagonal(costs))
    transport = _sinkhorn_cost(x, mapped, weights, weights, epsilon,
                               num_iterations, cost, costs=costs)
    return displacement - transport


def check_loss_points(loss_name, y_true, y_pred, same_size):
    """Call-time checks of the transport losses' `(y_true, y_pred)`."""
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    validation.check_floating_input(loss_name, "y_pred", y_pred)
    validation.check_floating_input(loss_name, "y_true", y_true)
    for name, points in (("y_true", y_true), ("y_pred", y_pred)):
        if len(points.shape) < 2:
            raise ValueError(
                f"{loss_name} expects `{name}` of rank >= 2 (a batch of "
                f"points). Received: {name} of shape {tuple(points.shape)}"
            )
    true_size = _feature_size(y_true.shape)
    pred_size = _feature_size(y_pred.shape)
    if None not in (true_size, pred_size) and true_size != pred_size:
        raise ValueError(
            f"{loss_name} needs points of the same dimension in `y_true` "
            f"and `y_pred`. Received: y_true of shape {tuple(y_true.shape)} "
            f"and y_pred of shape {tuple(y_pred.shape)}"
        )
    if same_size:
        validation.check_same_size(loss_name, "batch size",
                                   {"y_true": y_true.shape,
                                    "y_pred": y_pred.shape})
    return y_true, y_pred


def _feature_size(shape):
    size = 1
    for dim in shape[1:]:
        if dim is None:
            return None
        size *= dim
    return size
