"""NumPy PoolFormer in PyTorch's layout (NCHW images, `(out, in, kh, kw)`
kernels, timm's tensor names), written from the equations of "MetaFormer Is
Actually What You Need for Vision" (Yu et al., 2022) and the structure of
the authors' code: float64 throughout, no keras here."""

import math

import numpy as np

_erf = np.vectorize(math.erf)


def np_conv2d(x, weight, bias, stride, padding):
    """Cross-correlation of (B, C, H, W) by (O, C, kh, kw), zero padding."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out_channels, _, kernel_h, kernel_w = weight.shape
    height = (x.shape[2] - kernel_h) // stride + 1
    width = (x.shape[3] - kernel_w) // stride + 1
    out = np.zeros((x.shape[0], out_channels, height, width))
    for i in range(kernel_h):
        for j in range(kernel_w):
            patch = x[:, :, i:i + stride * height:stride,
                      j:j + stride * width:stride]
            out += np.einsum("bchw,oc->bohw", patch, weight[:, :, i, j])
    return out + bias[None, :, None, None]


def np_pooling_mixer(x, pool_size=3):
    """avg_pool(x) - x over (B, C, H, W): stride 1, padding pool_size // 2,
    the average over the window's positions inside the map only."""
    half = pool_size // 2
    _, _, height, width = x.shape
    out = np.zeros_like(x)
    for i in range(height):
        for j in range(width):
            window = x[:, :, max(i - half, 0):i + half + 1,
                       max(j - half, 0):j + half + 1]
            out[:, :, i, j] = window.mean(axis=(2, 3))
    return out - x


def np_group_norm_1(x, weight, bias, epsilon=1e-5):
    """GroupNorm with one group on (B, C, H, W): statistics over C, H, W of
    each example (biased variance), affine per channel."""
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    variance = x.var(axis=(1, 2, 3), keepdims=True)
    normalized = (x - mean) / np.sqrt(variance + epsilon)
    return normalized * weight[None, :, None, None] + bias[None, :, None,
                                                           None]


def np_layer_norm(x, weight, bias, epsilon=1e-6):
    """LayerNorm of the last axis."""
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * weight + bias


def np_gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def np_pointwise(x, weight, bias):
    """A 1x1 convolution, weight (O, C, 1, 1)."""
    return (np.einsum("bchw,oc->bohw", x, weight[:, :, 0, 0])
            + bias[None, :, None, None])


def np_poolformer_block(x, state, prefix, pool_size=3):
    """x + ls1 * mixer(GN(x)); x + ls2 * MLP(GN(x)) (no stochastic depth:
    inference)."""
    def get(name):
        return np.asarray(state[f"{prefix}.{name}"], "float64")

    mixed = np_pooling_mixer(
        np_group_norm_1(x, get("norm1.weight"), get("norm1.bias")),
        pool_size)
    x = x + get("layer_scale1.scale")[None, :, None, None] * mixed
    hidden = np_gelu(np_pointwise(
        np_group_norm_1(x, get("norm2.weight"), get("norm2.bias")),
        get("mlp.fc1.weight"), get("mlp.fc1.bias")))
    mlp = np_pointwise(hidden, get("mlp.fc2.weight"), get("mlp.fc2.bias"))
    return x + get("layer_scale2.scale")[None, :, None, None] * mlp


def np_poolformer(images, state, depths, patch_embedding=(7, 4, 2),
                  downsampling=(3, 2, 1), final_norm="group", pool_size=3):
    """Logits of a PoolFormer with `state` (timm names, torch shapes) for
    NCHW `images`. `final_norm="group"` is the authors' head (one-group
    GroupNorm of the last map, then the spatial mean); `"pooled_layer"`
    is timm's current one (the mean, then LayerNorm of the channels)."""
    def get(name):
        return np.asarray(state[name], "float64")

    _, stem_stride, stem_padding = patch_embedding
    x = np_conv2d(np.asarray(images, "float64"), get("stem.conv.weight"),
                  get("stem.conv.bias"), stem_stride, stem_padding)
    for stage, depth in enumerate(depths):
        if stage > 0:
            prefix = f"stages.{stage}.downsample.conv"
            x = np_conv2d(x, get(f"{prefix}.weight"), get(f"{prefix}.bias"),
                          downsampling[1], downsampling[2])
        for block in range(depth):
            x = np_poolformer_block(x, state,
                                    f"stages.{stage}.blocks.{block}",
                                    pool_size)
    if final_norm == "group":
        pooled = np_group_norm_1(x, get("head.norm.weight"),
                                 get("head.norm.bias")).mean(axis=(2, 3))
    else:
        pooled = np_layer_norm(x.mean(axis=(2, 3)), get("head.norm.weight"),
                               get("head.norm.bias"))
    return pooled @ get("head.fc.weight").T + get("head.fc.bias")


def np_poolformer_state(depths, embed_dims, num_classes, mlp_ratio=4,
                        patch_embedding=(7, 4, 2), downsampling=(3, 2, 1),
                        in_channels=3, seed=0):
    """A random state dict with timm's `poolformer_*` names and shapes."""
    rng = np.random.default_rng(seed)

    def tensor(*shape, scale=0.2):
        return rng.normal(scale=scale, size=shape).astype("float32")

    kernel = patch_embedding[0]
    state = {"stem.conv.weight": tensor(embed_dims[0], in_channels, kernel,
                                        kernel),
             "stem.conv.bias": tensor(embed_dims[0])}
    for stage, (depth, dim) in enumerate(zip(depths, embed_dims)):
        if stage > 0:
            prefix = f"stages.{stage}.downsample.conv"
            state[f"{prefix}.weight"] = tensor(
                dim, embed_dims[stage - 1], downsampling[0],
                downsampling[0])
            state[f"{prefix}.bias"] = tensor(dim)
        hidden = int(mlp_ratio * dim)
        for block in range(depth):
            prefix = f"stages.{stage}.blocks.{block}"
            state.update({
                f"{prefix}.norm1.weight": 1.0 + tensor(dim),
                f"{prefix}.norm1.bias": tensor(dim),
                f"{prefix}.layer_scale1.scale": tensor(dim, scale=0.5),
                f"{prefix}.norm2.weight": 1.0 + tensor(dim),
                f"{prefix}.norm2.bias": tensor(dim),
                f"{prefix}.mlp.fc1.weight": tensor(hidden, dim, 1, 1),
                f"{prefix}.mlp.fc1.bias": tensor(hidden),
                f"{prefix}.mlp.fc2.weight": tensor(dim, hidden, 1, 1),
                f"{prefix}.mlp.fc2.bias": tensor(dim),
                f"{prefix}.layer_scale2.scale": tensor(dim, scale=0.5),
            })
    state.update({
        "head.norm.weight": 1.0 + tensor(embed_dims[-1]),
        "head.norm.bias": tensor(embed_dims[-1]),
        "head.fc.weight": tensor(num_classes, embed_dims[-1]),
        "head.fc.bias": tensor(num_classes),
    })
    return state


def np_original_names(state):
    """The same tensors under the authors' original names (and timm's
    before 0.9), written from their module structure: `patch_embed.proj`,
    `network.<2i - 1>.proj` before stage i, `network.<2i>.<j>` for block j
    of stage i, `layer_scale_1`, `norm`, `head`."""
    renamed = {}
    for name, value in state.items():
        parts = name.split(".")
        if name.startswith("stem.conv."):
            new = "patch_embed.proj." + parts[-1]
        elif ".downsample.conv." in name:
            new = f"network.{2 * int(parts[1]) - 1}.proj.{parts[-1]}"
        elif name.startswith("stages."):
            rest = ".".join(parts[4:])
            rest = rest.replace("layer_scale1.scale", "layer_scale_1")
            rest = rest.replace("layer_scale2.scale", "layer_scale_2")
            new = f"network.{2 * int(parts[1])}.{parts[3]}.{rest}"
        elif name.startswith("head.norm."):
            new = "norm." + parts[-1]
        else:
            new = "head." + parts[-1]
        renamed[new] = value
    return renamed
