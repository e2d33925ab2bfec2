from kerastricks import ops as kt_ops
from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation


@kerastricks_export("kerastricks.activations.stablemax")
def stablemax(x, axis=-1):
    """StableMax, a softmax that does not collapse in floating point.

    Softmax's `exp` makes logits saturate: once one logit leads by about 17
    (float32), the largest probability rounds to exactly 1, the loss to
    exactly 0 and the gradient vanishes ("Softmax Collapse"), which stalls
    grokking without regularization. StableMax swaps `exp` for a map `s` that
    grows linearly, so probabilities saturate only at astronomically large
    logits and stay finite for logits of any float32 size.

    ```python
    s(x) = x + 1          if x >= 0
    s(x) = 1 / (1 - x)    if x < 0
    stablemax(x)_i = s(x_i) / sum_j s(x_j)
    ```

    Args:
        x: float tensor of logits.
        axis: int, the axis to normalize over. Defaults to `-1`.

    Returns:
        A tensor of the shape of `x` whose entries along `axis` are positive
        and sum to 1.

    Example:

    >>> probs = kerastricks.activations.stablemax(np.array([[1e4, 0.0, -1e4]]))
    >>> [round(float(p), 4) for p in keras.ops.convert_to_numpy(probs)[0]]
    [0.9999, 0.0001, 0.0]

    References:
        - [Prieto et al., 2025](https://arxiv.org/abs/2501.04697), "Grokking at
          the Edge of Numerical Stability".
    """
    return kt_ops.stablemax(x, axis=validation.check_axis("axis", axis))
