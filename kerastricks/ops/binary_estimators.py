"""Sign functions with the surrogate gradients of binary-network papers.

Every estimator's forward pass is a binarization to {-1, +1} (zero maps to
+1, so the output is always binary); its backward pass multiplies the
upstream gradient by the estimator's surrogate derivative:

| estimator | forward | backward (times the upstream gradient) |
| --- | --- | --- |
| `ste_sign` | sign(x) | 1 where abs(x) <= threshold (clipped STE) |
| `reste_sign` | sign(x) | the derivative of sign(x) * abs(x)**(1/o) |
| `biper_sign` | sign(sin(omega x)) | omega * cos(omega x) |
| `approx_sign` | sign(x) | max(2 - 2 abs(x), 0) (Bi-Real Net) |

Papers: BinaryConnect (Courbariaux, Bengio and David, arXiv 1511.00363) and
XNOR-Net (Rastegari et al., arXiv 1603.05279) for the clipped
straight-through estimator; "Estimator Meets Equilibrium Perspective: A
Rectified Straight Through Estimator for Binary Neural Networks Training"
(Wu et al., ICCV 2023, arXiv 2308.06689) for ReSTE; "BiPer: Binary Neural
Networks using a Periodic Function" (Vargas et al., CVPR 2024, arXiv
2404.01278) for BiPer; Bi-Real Net (Liu et al., ECCV 2018, arXiv
1808.00278) for ApproxSign, which BiPer's code uses on activations.
"""

import numbers

import keras
from keras import ops

from kerastricks.utils import validation

ESTIMATORS = ("ste", "reste", "biper", "approx_sign")
# The estimators that binarize activations: BiPer's periodic sign is not a
# sign of the activation, so its code binarizes activations with
# ApproxSign.
ACTIVATION_ESTIMATORS = ("ste", "reste", "approx_sign")
# Below this magnitude ReSTE's backward is the constant slope of the secant
# of |x|^(1/o) over [0, 0.1] (the authors' `interval`), which keeps the
# gradient finite at 0.
RESTE_INTERVAL = 0.1
DEFAULT_THRESHOLDS = {"ste": 1.0, "reste": 1.5}


def ste_sign(x, threshold=1.0):
    """Sign of `x` with the clipped straight-through gradient.

    ```python
    forward:  where(x >= 0, 1, -1)
    backward: upstream * (abs(x) <= threshold)
    ```

    Args:
        x: floating-point tensor.
        threshold: positive float, where the gradient is cut. Defaults to
            `1.0` (BinaryConnect, XNOR-Net).
    """
    _check_parameter("threshold", threshold)
    return _sign_with_surrogate(x, _sign, _ste_derivative, threshold)


def reste_sign(x, root_degree=1.0, threshold=1.5):
    """Sign of `x` with the Rectified Straight Through Estimator's gradient.

    ReSTE's backward pass is the derivative of the power function
    `sign(x) * abs(x)**(1 / o)`, `o = root_degree`: `o = 1` is the clipped
    straight-through estimator, and a larger `o` moves the function closer
    to sign(x) (smaller estimating error, less stable gradients). Near zero,
    where that derivative diverges, the authors' code uses the slope of the
    secant over [0, 0.1]:

    ```python
    forward:  where(x >= 0, 1, -1)
    backward: upstream * r(abs(x)), with
        r(a) = 0.1 ** (1 / o) / 0.1             for a <= 0.1
        r(a) = (1 / o) * a ** ((1 - o) / o)     for 0.1 < a <= threshold
        r(a) = 0                                for a > threshold
    ```

    Args:
        x: floating-point tensor.
        root_degree: positive float or scalar tensor, `o` in the paper (the
            degree of the root abs(x)**(1/o)). The paper raises it from 1 to
            3 during training (`kerastricks.callbacks.ReSTESchedule`).
            Defaults to `1.0`.
        threshold: positive float, `t` in the paper: the gradient is zero
            beyond it. Defaults to `1.5`, the authors' value.
    """
    _check_parameter("root_degree", root_degree)
    _check_parameter("threshold", threshold)
    return _sign_with_surrogate(x, _sign, _reste_derivative, root_degree,
                                threshold)


def biper_sign(x, omega=20.0):
    """BiPer's square wave `sign(sin(omega * x))`, with the sine's gradient.

    The binary value is the square wave with the sine's period; on the way
    back the sine itself is the surrogate. The frequency `omega` trades the
    quantization error `mean(abs(sin(omega x) - sign(sin(omega x))))`
    against gradient stability.

    ```python
    forward:  where(sin(omega * x) >= 0, 1, -1)
    backward: upstream * omega * cos(omega * x)
    ```

    Args:
        x: floating-point tensor (latent weights).
        omega: positive float, ω, the frequency. Defaults to `20.0`, the
            authors' CIFAR-10 setting.
    """
    _check_parameter("omega", omega)
    return _sign_with_surrogate(x, _periodic_sign, _biper_derivative, omega)


def approx_sign(x):
    """Sign of `x` with Bi-Real Net's piecewise-quadratic gradient.

    ```python
    forward:  where(x >= 0, 1, -1)
    backward: upstream * max(2 - 2 * abs(x), 0)
    ```
    """
    return _sign_with_surrogate(x, _sign, _approx_sign_derivative)


def binarize(x, estimator="ste", threshold=None, root_degree=1.0,
             omega=20.0):
    """`x` binarized by the estimator named `estimator`.

    Args:
        x: floating-point tensor.
        estimator: one of `"ste"`, `"reste"`, `"biper"`, `"approx_sign"`.
            Defaults to `"ste"`.
        threshold: positive float, the cut of `"ste"` and `"reste"`; `None`
            takes the estimator's default (1.0 and 1.5). Defaults to `None`.
        root_degree: `"reste"`'s o. Defaults to `1.0`.
        omega: `"biper"`'s ω. Defaults to `20.0`.
    """
    validation.check_one_of("estimator", estimator, ESTIMATORS)
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS.get(estimator)
    if estimator == "ste":
        return ste_sign(x, threshold)
    if estimator == "reste":
        return reste_sign(x, root_degree, threshold)
    if estimator == "biper":
        return biper_sign(x, omega)
    return approx_sign(x)


def biper_quantization_error(x, omega=20.0):
    """BiPer's quantization error of latent weights `x` at frequency ω.

    `mean(abs(sin(omega x) - sign(sin(omega x))))`, the measure the paper
    uses to choose ω (the authors compute it per layer and sum it over the
    network); a diagnostic, not a loss term.
    """
    _check_parameter("omega", omega)
    x = ops.convert_to_tensor(x)
    wave = ops.sin(ops.multiply(ops.cast(omega, x.dtype), x))
    return ops.mean(ops.abs(ops.subtract(wave, _sign(wave))))


def _check_parameter(name, value):
    """Python numbers must be positive and finite; tensors (a variable a
    schedule moves) are the caller's responsibility."""
    if isinstance(value, (bool, str)) or value is None or isinstance(
            value, numbers.Number):
        validation.check_positive(name, value)


def _sign(x, *unused_parameters):
    return ops.where(ops.greater_equal(x, 0), ops.ones_like(x),
                     ops.negative(ops.ones_like(x)))


def _periodic_sign(x, omega):
    return _sign(ops.sin(ops.multiply(omega, x)))


def _ste_derivative(x, threshold):
    return ops.cast(ops.less_equal(ops.abs(x), threshold), x.dtype)


def _reste_derivative(x, root_degree, threshold):
    magnitude = ops.abs(x)
    exponent = ops.divide(ops.subtract(1.0, root_degree), root_degree)
    # The power of a clamped magnitude: no inf (or NaN gradient) at 0 in the
    # branch that `where` discards.
    power = ops.divide(
        ops.power(ops.maximum(magnitude, RESTE_INTERVAL), exponent),
        root_degree)
    near_zero = ops.divide(
        ops.power(ops.cast(RESTE_INTERVAL, x.dtype),
                  ops.divide(1.0, root_degree)), RESTE_INTERVAL)
    inside = ops.cast(ops.less_equal(magnitude, threshold), x.dtype)
    return ops.where(ops.less_equal(magnitude, RESTE_INTERVAL),
                     near_zero * ops.ones_like(x), power * inside)


def _biper_derivative(x, omega):
    return ops.multiply(omega, ops.cos(ops.multiply(omega, x)))


def _approx_sign_derivative(x):
    return ops.maximum(ops.subtract(2.0, ops.multiply(2.0, ops.abs(x))), 0.0)


def _sign_with_surrogate(x, forward, derivative, *parameters):
    """`forward(x, *parameters)`; the gradient for `x` is the upstream one
    times `derivative(x, *parameters)`, and the parameters get none.

    The surrogate is evaluated in float32 at least (float64 stays float64)
    and the gradient returned in `x`'s dtype. The parameters enter as
    explicit tensor arguments, never closures: JAX cannot differentiate a
    custom gradient that closes over traced values (a variable that a
    schedule moves is traced under jit).
    """
    x = ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        raise TypeError(
            "A binary estimator expects floating-point `x` (cast it, e.g. "
            "with keras.ops.cast(x, 'float32')). Received: x of dtype "
            f"{keras.backend.standardize_dtype(x.dtype)}")
    wide = "float64" if keras.backend.standardize_dtype(
        x.dtype) == "float64" else "float32"
    parameters = tuple(ops.cast(p, wide) for p in parameters)
    # A Keras variable (a layer's kernel) reaches TensorFlow's
    # custom_gradient as a variable, which it refuses to differentiate
    # through an argument; a same-dtype cast reads it into a tensor (and is
    # free for tensors).
    x = ops.cast(x, x.dtype)

    @ops.custom_gradient
    def estimator(x, *parameters):
        def grad(*args, upstream=None):
            if upstream is None:  # TensorFlow and JAX pass it positionally.
                (upstream,) = args
            surrogate = derivative(ops.cast(x, wide), *parameters)
            gradient = ops.cast(
                ops.multiply(ops.cast(upstream, wide), surrogate), x.dtype)
            return (gradient,) + tuple(ops.zeros_like(p) for p in parameters)

        # In float32 at least, so that a bfloat16 input lands on the same
        # side of a zero crossing of sin(omega x) as its float32 value.
        binary = forward(ops.cast(x, wide), *parameters)
        return ops.cast(binary, x.dtype), grad

    return estimator(x, *parameters)
