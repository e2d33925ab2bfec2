"""The running average and the cyclical learning rate of stochastic weight
averaging ("Averaging Weights Leads to Wider Optima and Better
Generalization", Izmailov, Podoprikhin, Garipov, Vetrov, Wilson, UAI 2018,
arXiv 1803.05407)."""

from keras import ops


def swa_running_average(average, weights, num_averaged):
    """The average of `num_averaged` snapshots updated with one more.

    ```python
    average = (average * num_averaged + weights) / (num_averaged + 1)
    ```

    written as `average + (weights - average) / (num_averaged + 1)`, so the
    first snapshot (`num_averaged=0`) replaces whatever `average` holds.

    Args:
        average: tensor, the average of the snapshots so far.
        weights: tensor of the same shape, the new snapshot.
        num_averaged: int >= 0 (or int scalar tensor), the number of
            snapshots in `average`.

    Returns:
        The new average, with `average`'s dtype.

    Example:

    >>> average = kerastricks.ops.swa_running_average(
    ...     np.array([1.0]), np.array([4.0]), num_averaged=2)
    >>> float(average[0])
    2.0
    """
    average = ops.convert_to_tensor(average)
    weights = ops.cast(weights, average.dtype)
    count = ops.cast(num_averaged, average.dtype) + 1
    return average + (weights - average) / count


def swa_cyclic_learning_rate(iteration, cycle_length, learning_rate,
                             min_learning_rate):
    """The paper's cyclical learning rate at iteration `iteration`.

    Within each cycle of `cycle_length` iterations the rate falls linearly
    from α₁ (`learning_rate`) to α₂ (`min_learning_rate`), reached at the
    cycle's last iteration, where SWA takes its snapshot (equation (1), with
    iterations counted from 0):

    ```python
    t = (iteration % cycle_length + 1) / cycle_length
    rate = (1 - t) * learning_rate + t * min_learning_rate
    ```

    Args:
        iteration: int >= 0 (or int scalar tensor), the iteration within
            the SWA phase.
        cycle_length: positive int, c, iterations per cycle.
        learning_rate: float, α₁, the rate at the start of a cycle.
        min_learning_rate: float, α₂, the rate at its end.

    Returns:
        A float32 scalar tensor.

    Example:

    >>> rates = [float(kerastricks.ops.swa_cyclic_learning_rate(
    ...     i, 4, 0.05, 0.01)) for i in range(5)]
    >>> [round(rate, 4) for rate in rates]
    [0.04, 0.03, 0.02, 0.01, 0.04]
    """
    position = ops.cast(ops.mod(iteration, cycle_length) + 1, "float32")
    t = position / cycle_length
    return (1.0 - t) * learning_rate + t * min_learning_rate
