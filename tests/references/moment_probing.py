"""NumPy reference for the Moment Probing head; no keras here."""

import numpy as np

from tests.references.wavelets import np_gelu


def np_layer_norm(x, gamma, epsilon=1e-5):
    """LayerNorm over the last axis with a scale and no offset."""
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma


def np_cross_covariances(heads, epsilon=1e-12):
    """(B, N, H, d) -> (B, H-1, d, d): head h against head h+1, each channel
    centred over the N tokens, columns scaled to unit L2 norm."""
    batch, tokens, num_heads, _ = heads.shape
    out = []
    for b in range(batch):
        per_pair = []
        for h in range(num_heads - 1):
            left = heads[b, :, h] - heads[b, :, h].mean(axis=0)
            right = heads[b, :, h + 1] - heads[b, :, h + 1].mean(axis=0)
            covariance = left.T @ right / tokens
            norms = np.linalg.norm(covariance, axis=0, keepdims=True)
            per_pair.append(covariance / np.maximum(norms, epsilon))
        out.append(per_pair)
    return np.array(out)


def np_conv3x3_stride2(x, kernel):
    """Unpadded 3x3 stride-2 convolution, no bias; x (B, H, W, C_in),
    kernel (3, 3, C_in, C_out)."""
    batch, height, width, _ = x.shape
    out_h, out_w = (height - 3) // 2 + 1, (width - 3) // 2 + 1
    out = np.zeros((batch, out_h, out_w, kernel.shape[-1]))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3, :]
            out[:, i, j] = np.einsum("bpqc,pqco->bo", patch, kernel)
    return out


def np_moment_probing_head(tokens, weights, num_heads, class_token=False):
    """Logits of the MP head. `weights` holds (kernel, bias) pairs under
    first_order_classifier, projection, second_order_classifier, the
    [gamma] of head_norm and the two downsample kernels."""
    tokens = np.asarray(tokens, dtype="float64")
    if class_token:
        first, tokens = tokens[:, 0], tokens[:, 1:]
    else:
        first = tokens.mean(axis=1)
    kernel, bias = weights["first_order_classifier"]
    first_logits = first @ kernel + bias
    kernel, bias = weights["projection"]
    x = tokens @ kernel + bias
    batch, count, hidden = x.shape
    heads = x.reshape(batch, count, num_heads, hidden // num_heads)
    heads = np_layer_norm(heads, *weights["head_norm"])
    maps = np.transpose(np_cross_covariances(heads), (0, 2, 3, 1))
    maps = np_gelu(np_conv3x3_stride2(maps, weights["downsample_1"]))
    maps = np_conv3x3_stride2(maps, weights["downsample_2"])
    kernel, bias = weights["second_order_classifier"]
    second_logits = maps.reshape(batch, -1) @ kernel + bias
    return (first_logits + second_logits) / 2
