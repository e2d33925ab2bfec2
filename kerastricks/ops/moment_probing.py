"""Second-order moments of token features for Moment Probing ("Tuning
Pre-trained Model via Moment Probing", Gao et al., 2023, arXiv 2307.11342):
the multi-head cross-covariance (MHC^3) between neighbouring heads."""

import keras
from keras import ops


def adjacent_head_cross_covariance(heads, epsilon=1e-12):
    """Cross-covariances of neighbouring feature heads over the tokens.

    `heads` is `(batch, tokens, num_heads, head_dim)`. Each head is centred
    on the token mean, then head h and head h + 1 give the cross-covariance
    `S[i, j] = mean_tokens(x_h[:, i] * x_{h+1}[:, j])`, whose columns are
    scaled to unit L2 norm (over i, as the official code). Returns
    `(batch, num_heads - 1, head_dim, head_dim)`, computed in float32 (or
    float64) and cast back to the input's dtype.
    """
    dtype = keras.backend.standardize_dtype(heads.dtype)
    compute = "float64" if dtype == "float64" else "float32"
    heads = ops.cast(heads, compute)
    heads = heads - ops.mean(heads, axis=1, keepdims=True)
    covariance = ops.einsum("bnhi,bnhj->bhij", heads[:, :, :-1],
                            heads[:, :, 1:])
    covariance = covariance / ops.cast(ops.shape(heads)[1], compute)
    norm = ops.sqrt(ops.sum(ops.square(covariance), axis=2, keepdims=True))
    covariance = covariance / ops.maximum(norm, epsilon)
    return ops.cast(covariance, dtype)


def downsampled_size(size):
    """Side of the covariance map after the two 3x3, stride-2, unpadded
    convolutions of the second-order branch."""
    return ((size - 3) // 2 + 1 - 3) // 2 + 1
