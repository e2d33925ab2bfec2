"""Weight decay independent of the learning rate's size ("Small-scale
proxies for large-scale Transformer training instabilities", Wortsman et
al., 2023, arXiv 2309.14322)."""

from keras import ops


def independent_weight_decay(variable, learning_rate, peak_learning_rate,
                             weight_decay):
    """The variable after one step of independent weight decay.

    ```python
    variable = variable - (learning_rate / peak_learning_rate)
                          * weight_decay * variable
    ```

    The decay follows the learning-rate schedule's shape (s_t = η_t /
    η_max) but not its size: changing the peak learning rate leaves the
    decay applied at every step unchanged. Computed in the variable's
    dtype.
    """
    variable = ops.convert_to_tensor(variable)
    dtype = variable.dtype
    schedule_factor = ops.cast(learning_rate, dtype) / ops.cast(
        peak_learning_rate, dtype)
    return variable - schedule_factor * ops.cast(weight_decay, dtype) * (
        variable)
