"""The slow-weight update of Lookahead ("Lookahead Optimizer: k steps
forward, 1 step back", Zhang, Lucas, Hinton, Ba, NeurIPS 2019, arXiv
1907.08610)."""

from keras import ops


def lookahead_update(fast, slow, step, sync_period=5, slow_step_size=0.5):
    """The fast and slow weights after inner step number `step`.

    Every `sync_period` (k) inner steps the slow weights move a fraction
    `slow_step_size` (α) of the way to the fast weights, and the fast
    weights restart from them (Algorithm 1); between those steps both are
    returned unchanged:

    ```python
    if step % sync_period == 0:
        slow = slow + slow_step_size * (fast - slow)
        fast = slow
    ```

    The branch is an `ops.where` on the step tensor, so the function
    compiles under `jit` without a host round trip.

    Args:
        fast: tensor, the fast weights after the inner optimizer's step.
        slow: tensor of the same shape, the slow weights.
        step: int scalar (tensor), the number of inner steps taken so far.
        sync_period: positive int, k. Defaults to `5`.
        slow_step_size: float in (0, 1], α. Defaults to `0.5`.

    Returns:
        `(fast, slow)`, both with `fast`'s dtype.

    Example:

    >>> fast, slow = kerastricks.ops.lookahead_update(
    ...     np.array([3.0]), np.array([1.0]), step=5)
    >>> [float(fast[0]), float(slow[0])]
    [2.0, 2.0]
    """
    fast = ops.convert_to_tensor(fast)
    slow = ops.cast(slow, fast.dtype)
    merged = slow + ops.cast(slow_step_size, fast.dtype) * (fast - slow)
    synchronize = ops.equal(ops.mod(step, sync_period), 0)
    return ops.where(synchronize, merged, fast), ops.where(
        synchronize, merged, slow)
