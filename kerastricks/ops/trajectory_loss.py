"""The trajectory loss of SAF and MESA ("Sharpness-Aware Training for Free",
Du et al., NeurIPS 2022, arXiv 2205.14083)."""

import keras
from keras import ops


def trajectory_loss(current_logits, past_logits, temperature=5.0):
    """Per-example tau^2 * KL(softmax(past / tau) || softmax(current / tau)).

    The divergence of the current outputs from the outputs the network gave
    the same examples earlier in training (SAF: recorded some epochs ago;
    MESA: from an exponential moving average of the weights). The past
    logits are constants (no gradient flows into them), and the KL runs in
    float32 at least, whatever the logits' dtype:

    ```python
    p = softmax(past_logits / temperature)          # target
    log_q = log_softmax(current_logits / temperature)
    loss = temperature**2 * sum(p * (log(p) - log_q), axis=-1)
    ```

    This is the authors' `F.kl_div(log q, p).sum(-1) * T**2`: the KL runs
    from the past distribution to the current one. It is 0 exactly when the
    two sets of logits are equal up to a per-example shift.

    Args:
        current_logits: tensor `(batch, ..., classes)`, the logits being
            trained.
        past_logits: tensor of the same shape, the reference logits.
        temperature: float > 0, tau, the softening temperature.

    Returns:
        A tensor of shape `(batch, ...)` (the class axis reduced), in
        float32 (float64 for float64 inputs).
    """
    current_logits = ops.convert_to_tensor(current_logits)
    past_logits = ops.convert_to_tensor(past_logits)
    if len(current_logits.shape) < 2 or tuple(current_logits.shape) != tuple(
        past_logits.shape
    ):
        raise ValueError(
            "`current_logits` and `past_logits` must have the same shape "
            "(batch, ..., classes). Received: current_logits of shape "
            f"{tuple(current_logits.shape)} and past_logits of shape "
            f"{tuple(past_logits.shape)}"
        )
    dtype = keras.backend.standardize_dtype(current_logits.dtype)
    compute_dtype = "float64" if dtype == "float64" else "float32"
    current = ops.cast(current_logits, compute_dtype) / temperature
    past = ops.stop_gradient(ops.cast(past_logits, compute_dtype)) / temperature
    log_p = ops.log_softmax(past, axis=-1)
    log_q = ops.log_softmax(current, axis=-1)
    kl = ops.sum(ops.exp(log_p) * (log_p - log_q), axis=-1)
    return temperature**2 * kl
