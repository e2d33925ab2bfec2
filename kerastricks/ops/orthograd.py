"""The gradient transform of ⊥Grad ("Grokking at the Edge of Numerical
Stability", Prieto et al., 2025, arXiv 2501.04697)."""

import keras
from keras import ops


def orthogonalize_gradient(gradient, variable, epsilon=1e-30):
    """Removes the component of `gradient` along `variable`, keeping its norm.

    Both tensors are flattened to vectors w and g:

    ```python
    g_perp = g - (w @ g) / (w @ w + epsilon) * w
    g_tilde = g_perp * norm(g) / (norm(g_perp) + epsilon)
    ```

    The arithmetic runs in float32 at least, because `epsilon=1e-30`
    underflows in float16. The result has the gradient's dtype and shape.
    """
    gradient = ops.convert_to_tensor(gradient)
    dtype = keras.backend.standardize_dtype(gradient.dtype)
    compute_dtype = "float64" if dtype == "float64" else "float32"
    # (1, n) rows with keepdims sums: XLA on CPU fuses these much better
    # than scalar reductions broadcast back over the tensor.
    g = ops.reshape(ops.cast(gradient, compute_dtype), (1, -1))
    w = ops.reshape(ops.cast(variable, compute_dtype), (1, -1))

    def total(x):
        return ops.sum(x, axis=1, keepdims=True)

    projection = total(w * g) / (total(w * w) + epsilon)
    g_perp = g - projection * w
    g_norm = ops.sqrt(total(g * g))
    g_perp_norm = ops.sqrt(total(g_perp * g_perp))
    g_tilde = g_perp * (g_norm / (g_perp_norm + epsilon))
    return ops.cast(ops.reshape(g_tilde, gradient.shape), dtype)
