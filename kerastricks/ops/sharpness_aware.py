"""The weight perturbation of SAM ("Sharpness-Aware Minimization for
Efficiently Improving Generalization", Foret et al., 2021, arXiv 2010.01412)
and ASAM ("ASAM: Adaptive Sharpness-Aware Minimization for Scale-Invariant
Learning of Deep Neural Networks", Kwon et al., 2021, arXiv 2102.11600)."""

import keras
from keras import ops


def _norm_dtype(values):
    dtypes = [keras.backend.standardize_dtype(v.dtype) for v in values]
    return "float64" if "float64" in dtypes else "float32"


def sharpness_aware_perturbation(
    gradients,
    variables,
    rho=0.05,
    adaptive=False,
    eta=0.01,
    epsilon=1e-12,
    adaptive_variables=None,
):
    """The ascent step e that SAM and ASAM add to the weights.

    Over all tensors together (one global norm):

    ```python
    T = 1                     # SAM
    T = abs(w) + eta          # ASAM, on the `adaptive_variables`
    e = rho * T**2 * g / (norm(T * g) + epsilon)
    ```

    With `T = 1` this is SAM's `e = rho * g / (norm(g) + epsilon)`, the
    maximizer of the first-order loss over the ball `norm(e) <= rho`; ASAM
    maximizes over the ellipsoid `norm(e / T) <= rho` instead, which makes
    the sharpness invariant to rescaling the weights.

    Args:
        gradients: list of tensors (or `None` for a variable without a
            gradient, which gets no perturbation), the loss gradient g at w.
        variables: list of tensors or variables w, matching `gradients`.
        rho: float >= 0, the radius of the neighbourhood.
        adaptive: bool, ASAM's normalization `T = |w| + eta` instead of 1.
        eta: float >= 0, ASAM's offset that keeps zero weights perturbable.
        epsilon: float > 0, added to the norm (the rule at g = 0 is e = 0).
        adaptive_variables: list of bools matching `variables`: which ones
            get `T = |w| + eta` when `adaptive` (the others keep T = 1).
            Defaults to all.

    Returns:
        The list of perturbations e (`None` where the gradient is `None`),
        each in its variable's dtype.
    """
    if len(gradients) != len(variables):
        raise ValueError(
            "Arguments `gradients` and `variables` must have the same length. "
            f"Received: {len(gradients)} gradients and {len(variables)} "
            "variables"
        )
    if adaptive_variables is None:
        adaptive_variables = [True] * len(variables)
    present = [g for g in gradients if g is not None]
    if not present:
        return [None] * len(gradients)
    compute_dtype = _norm_dtype(present)

    # T * g for every variable with a gradient, None for the others.
    scaled_gradients = []
    normalizers = []
    for gradient, variable, scaled in zip(
        gradients, variables, adaptive_variables
    ):
        if gradient is None:
            scaled_gradients.append(None)
            normalizers.append(None)
            continue
        g = ops.cast(gradient, compute_dtype)
        if adaptive and scaled:
            t = ops.abs(ops.cast(variable, compute_dtype)) + eta
            g = t * g
        else:
            t = None
        scaled_gradients.append(g)
        normalizers.append(t)
    squared_norm = sum(
        ops.sum(ops.square(tg)) for tg in scaled_gradients if tg is not None
    )
    scale = rho / (ops.sqrt(squared_norm) + epsilon)

    perturbations = []
    for tg, t, variable in zip(scaled_gradients, normalizers, variables):
        if tg is None:
            perturbations.append(None)
            continue
        e = tg * scale if t is None else t * tg * scale
        perturbations.append(
            ops.cast(e, keras.backend.standardize_dtype(variable.dtype))
        )
    return perturbations


def _global_norm(tensors):
    return ops.sqrt(sum(ops.sum(ops.square(t)) for t in tensors))


def orthogonal_component(vectors, direction, epsilon=1e-12):
    """The part of `vectors` orthogonal to `direction`, over all tensors
    together (one global inner product and norm).

    ```python
    cosine = <v, d> / (norm(v) * norm(d) + epsilon)
    v_orth = v - cosine * norm(v) * d / (norm(d) + epsilon)
    ```

    GSAM ("Surrogate Gap Guided Sharpness-Aware Minimization", Zhuang et
    al., ICLR 2022, arXiv 2203.08065) removes `alpha` times the component
    of the gradient at w orthogonal to the gradient at the perturbed
    weights; LookSAM ("Towards Efficient and Scalable Sharpness-Aware
    Minimization", Liu et al., CVPR 2022, arXiv 2203.02714) keeps the
    component of the perturbed gradient orthogonal to the gradient at w.
    The epsilons are placed as in GSAM's official code, so that zero
    vectors give zero.

    Args:
        vectors: list of tensors v (one per variable).
        direction: list of tensors d, matching `vectors`.
        epsilon: float > 0, added to the norms.

    Returns:
        The list of tensors `v_orth`, in the dtypes of `vectors`.
    """
    if len(vectors) != len(direction):
        raise ValueError(
            "Arguments `vectors` and `direction` must have the same length. "
            f"Received: {len(vectors)} vectors and {len(direction)} "
            "direction tensors"
        )
    dtype = _norm_dtype(vectors)
    v = [ops.cast(t, dtype) for t in vectors]
    d = [ops.cast(t, dtype) for t in direction]
    inner = sum(ops.sum(a * b) for a, b in zip(v, d))
    v_norm = _global_norm(v)
    d_norm = _global_norm(d)
    cosine = inner / (v_norm * d_norm + epsilon)
    scale = cosine * v_norm / (d_norm + epsilon)
    return [
        ops.cast(a - scale * b, keras.backend.standardize_dtype(t.dtype))
        for a, b, t in zip(v, d, vectors)
    ]


def surrogate_gap_gradient(gradients, perturbed_gradients, alpha,
                           epsilon=1e-12):
    """GSAM's update direction: the perturbed gradient minus `alpha` times
    the component of the gradient at w orthogonal to it.

    ```python
    g_orth = orthogonal_component(g, g_perturbed)
    update = g_perturbed - alpha * g_orth
    ```

    Descending along `-g_orth` lowers the surrogate gap (the loss at the
    perturbed weights minus the loss at w, a measure of sharpness) without
    changing the perturbed loss to first order.

    Args:
        gradients: list of tensors, the gradient g at w.
        perturbed_gradients: list of tensors, the gradient at w + e.
        alpha: float, GSAM's α.
        epsilon: float > 0, added to the norms.

    Returns:
        The list of update tensors, in the dtypes of `perturbed_gradients`.
    """
    vertical = orthogonal_component(gradients, perturbed_gradients, epsilon)
    perturbed_gradients = [ops.convert_to_tensor(g)
                           for g in perturbed_gradients]
    return [
        g - ops.cast(alpha * o, g.dtype)
        for g, o in zip(perturbed_gradients, vertical)
    ]
