"""The output-logit regularizer of "Small-scale proxies for large-scale
Transformer training instabilities" (Wortsman et al., 2023, arXiv 2309.14322),
after PaLM (Chowdhery et al., 2022)."""

import keras
from keras import ops


def logit_z_loss(logits, coefficient=1e-4, axis=-1):
    """`coefficient * logsumexp(logits)**2` per example.

    Penalizes the log normalizer log Z of the softmax, keeping it near 0 so
    the logits stay close to log-probabilities. Computed in float32 at least.
    """
    logits = ops.convert_to_tensor(logits)
    if not keras.backend.is_float_dtype(logits.dtype):
        dtype = keras.backend.standardize_dtype(logits.dtype)
        raise TypeError(
            f"LogitZLoss needs floating-point logits. Received dtype {dtype}"
        )
    if keras.backend.standardize_dtype(logits.dtype) in ("float16",
                                                         "bfloat16"):
        logits = ops.cast(logits, "float32")
    log_z = ops.logsumexp(logits, axis=axis)
    return coefficient * ops.square(log_z)
