"""AbeT ("Out-of-Distribution Detection & Applications With Ablated Learned
Temperature Energy", arXiv 2401.12129): logits divided by a learned,
input-dependent temperature, and the energy score without its leading
temperature factor."""

from keras import ops


def temperature_scaled_logits(logits, temperature):
    """`logits / temperature`, the temperature broadcast over the class
    axis (shape `(..., 1)` or a scalar)."""
    logits = ops.convert_to_tensor(logits)
    return logits / ops.cast(temperature, logits.dtype)


def abet_score(logits, temperature=1.0):
    """The AbeT out-of-distribution score, higher for inputs more likely to
    be out of distribution:

    ```python
    score = -logsumexp(logits / temperature, axis=-1)
    ```

    The energy score is `-T * logsumexp(logits / T)`; AbeT removes the
    leading `T` (the "forefront temperature constant"). Pass the head's
    unscaled logits and its temperature, or the scaled logits
    (`LearnedTemperatureHead`'s output) with `temperature=1.0`.
    """
    return -ops.logsumexp(temperature_scaled_logits(logits, temperature),
                          axis=-1)
