"""Where each weight of a `kerastricks.models.PoolFormer` lives in a PyTorch
PoolFormer state dict, and how its layout differs.

Two naming schemes exist for the same tensors: timm's current one
(`timm.models.metaformer`, `poolformer_s12` ...: `stem.conv.weight`,
`stages.1.downsample.conv.weight`, `stages.0.blocks.0.mlp.fc1.weight`,
`stages.0.blocks.0.layer_scale1.scale`, `head.fc.weight`) and the original
one of the authors' code, also timm's before version 0.9
(`patch_embed.proj.weight`, `network.1.proj.weight`,
`network.0.0.mlp.fc1.weight`, `network.0.0.layer_scale_1`, `head.weight`).
PyTorch stores convolution kernels `(out, in, kh, kw)` and linear weights
`(out, in)`; Keras stores `(kh, kw, in, out)` and `(in, out)`; the MLP's
1x1 convolutions are Keras `Dense` kernels here.
"""

import re

import keras
import numpy as np

LAYOUTS = ("timm", "original")

# How a Keras variable's value becomes the PyTorch tensor, and back.
_TO_TORCH = {
    "conv": lambda value: np.transpose(value, (3, 2, 0, 1)),
    "pointwise": lambda value: np.transpose(value)[:, :, None, None],
    "linear": np.transpose,
    "vector": lambda value: value,
}
_FROM_TORCH = {
    "conv": lambda value: np.transpose(value, (2, 3, 1, 0)),
    "pointwise": lambda value: np.transpose(value[:, :, 0, 0]),
    "linear": np.transpose,
    "vector": lambda value: value,
}
_BLOCK = re.compile(r"^stages_(\d+)_blocks_(\d+)$")
_DOWNSAMPLE = re.compile(r"^stages_(\d+)_downsample_conv$")


def _check_model(function_name, model):
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"{function_name}: argument `model` must be a keras.Model built "
            "by kerastricks.models.PoolFormer. Received: "
            f"model={model!r} of type {type(model).__name__}")
    names = {layer.name for layer in model.layers}
    if "stem_conv" not in names:
        raise ValueError(
            f"{function_name}: argument `model` must be built by "
            "kerastricks.models.PoolFormer (it has no `stem_conv` layer). "
            f"Received: model={model.name!r} with layers "
            f"{sorted(names)[:8]}")


def _kernel_and_bias(prefix, layer, kind):
    return [(f"{prefix}.weight", layer.kernel, kind),
            (f"{prefix}.bias", layer.bias, "vector")]


def _norm(prefix, layer):
    return [(f"{prefix}.weight", layer.gamma, "vector"),
            (f"{prefix}.bias", layer.beta, "vector")]


def _block_entries(prefix, block, layout):
    scale = ("layer_scale{}.scale" if layout == "timm"
             else "layer_scale_{}")
    entries = _norm(f"{prefix}.norm1", block.norm_1)
    if block.layer_scale_init_value is not None:
        entries.append((f"{prefix}.{scale.format(1)}", block.layer_scale_1,
                        "vector"))
    entries += _norm(f"{prefix}.norm2", block.norm_2)
    for torch_name, kernel, bias in (
            ("fc1", block.fc_1_kernel, block.fc_1_bias),
            ("fc2", block.fc_2_kernel, block.fc_2_bias)):
        entries += [(f"{prefix}.mlp.{torch_name}.weight", kernel,
                     "pointwise"),
                    (f"{prefix}.mlp.{torch_name}.bias", bias, "vector")]
    if block.layer_scale_init_value is not None:
        entries.append((f"{prefix}.{scale.format(2)}", block.layer_scale_2,
                        "vector"))
    return entries


def entries(model, layout):
    """`[(torch_name, keras_variable, kind)]` for every weight of `model`
    (a PoolFormer) under `layout`."""
    timm = layout == "timm"
    found = []
    for layer in model.layers:
        block = _BLOCK.match(layer.name)
        downsample = _DOWNSAMPLE.match(layer.name)
        if layer.name == "stem_conv":
            prefix = "stem.conv" if timm else "patch_embed.proj"
            found += _kernel_and_bias(prefix, layer, "conv")
        elif downsample:
            stage = int(downsample.group(1))
            prefix = (f"stages.{stage}.downsample.conv" if timm
                      else f"network.{2 * stage - 1}.proj")
            found += _kernel_and_bias(prefix, layer, "conv")
        elif block:
            stage, index = int(block.group(1)), int(block.group(2))
            prefix = (f"stages.{stage}.blocks.{index}" if timm
                      else f"network.{2 * stage}.{index}")
            found += _block_entries(prefix, layer, layout)
        elif layer.name == "head_norm":
            found += _norm("head.norm" if timm else "norm", layer)
        elif layer.name == "head_fc":
            found += _kernel_and_bias("head.fc" if timm else "head", layer,
                                      "linear")
    return found


def detect_layout(function_name, state_dict):
    if "stem.conv.weight" in state_dict:
        return "timm"
    if "patch_embed.proj.weight" in state_dict:
        return "original"
    raise ValueError(
        f"{function_name}: argument `state_dict` is not a PoolFormer state "
        "dict: it has neither timm's `stem.conv.weight` nor the original "
        "`patch_embed.proj.weight`. Received keys: "
        f"{sorted(state_dict)[:8]}")


def to_torch(value, kind):
    return np.ascontiguousarray(_TO_TORCH[kind](value))


def from_torch(value, kind):
    return np.ascontiguousarray(_FROM_TORCH[kind](value))
