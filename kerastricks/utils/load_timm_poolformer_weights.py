import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import _timm_poolformer_layout as layout_map
from kerastricks.utils import validation

_NAME = "load_timm_poolformer_weights"


@kerastricks_export("kerastricks.utils.load_timm_poolformer_weights")
def load_timm_poolformer_weights(model, state_dict, strict=True):
    """Loads a PyTorch PoolFormer state dict (timm's layout) into a model.

    Copies every tensor of a `poolformer_*` state dict, named as timm's
    current models (`stem.conv.weight`, `stages.0.blocks.0.mlp.fc1.weight`,
    `head.fc.weight`, ...) or as the authors' original code and timm before
    0.9 (`patch_embed.proj.weight`, `network.0.0.layer_scale_1`,
    `head.weight`, ...; the layout is detected from the keys), into a
    `kerastricks.models.PoolFormer` of the same configuration, transposing
    PyTorch's `(out, in, kh, kw)` kernels and `(out, in)` linear weights to
    Keras's layout. Weights are data: nothing here downloads them or
    imports PyTorch. Build the model with `final_norm="pooled_layer"` to
    reproduce timm's current outputs (it normalizes after the average), and
    with the default `"group"` for the authors' code.

    ```python
    state = torch.load("poolformer_s12.pth", map_location="cpu")
    state = {name: tensor.numpy() for name, tensor in state.items()}
    model = kerastricks.models.PoolFormer("S12", final_norm="pooled_layer")
    kerastricks.utils.load_timm_poolformer_weights(model, state)
    ```

    Args:
        model: a `keras.Model` built by `kerastricks.models.PoolFormer`
            (channels last).
        state_dict: a mapping of tensor names to arrays (NumPy arrays, or
            anything `np.asarray` reads, such as CPU torch tensors).
        strict: bool; `True` requires the model's weights and the state
            dict's tensors to match one to one, `False` loads the tensors
            both have (e.g. a model without its top) and reports the rest.
            A shape mismatch always raises. Defaults to `True`.

    Returns:
        A dict with `"missing"` (model weights the state dict lacks) and
        `"unexpected"` (state dict tensors the model has no weight for),
        sorted name lists, empty when everything matched.

    Example:

    >>> model = kerastricks.models.PoolFormer(
    ...     num_classes=2, input_shape=(8, 8, 3), depths=(1,),
    ...     embed_dims=(4,), mlp_ratios=(2,), patch_embedding=(3, 2, 1))
    >>> state = kerastricks.utils.export_timm_poolformer_weights(model)
    >>> kerastricks.utils.load_timm_poolformer_weights(model, state)
    {'missing': [], 'unexpected': []}

    References:
        - [Yu et al., 2022](https://arxiv.org/abs/2111.11418), "MetaFormer
          Is Actually What You Need for Vision".
    """
    layout_map._check_model(_NAME, model)
    if not hasattr(state_dict, "keys") or not hasattr(state_dict,
                                                      "__getitem__"):
        raise TypeError(
            f"{_NAME}: argument `state_dict` must be a mapping of tensor "
            "names to arrays. Received: "
            f"state_dict={state_dict!r} of type {type(state_dict).__name__}")
    validation.check_bool("strict", strict)
    layout = layout_map.detect_layout(_NAME, state_dict)
    entries = layout_map.entries(model, layout)
    names = {name for name, _, _ in entries}
    missing = sorted(names - set(state_dict))
    unexpected = sorted(set(state_dict) - names)
    if strict and (missing or unexpected):
        raise ValueError(
            f"{_NAME}: the state dict does not match the model ({layout} "
            f"layout). Missing: {missing[:10]}; unexpected: "
            f"{unexpected[:10]} (pass strict=False to load the tensors "
            "both have, or build the model with the checkpoint's "
            "configuration)")
    updates = []
    for name, variable, kind in entries:
        if name not in state_dict:
            continue
        value = layout_map.from_torch(np.asarray(state_dict[name]), kind)
        if tuple(value.shape) != tuple(variable.shape):
            expected = layout_map.to_torch(np.zeros(variable.shape), kind)
            raise ValueError(
                f"{_NAME}: tensor {name!r} of shape "
                f"{tuple(np.shape(state_dict[name]))} does not fit the "
                f"model's {variable.path}: expected shape "
                f"{tuple(expected.shape)}")
        updates.append((variable, value))
    for variable, value in updates:
        variable.assign(value.astype(variable.dtype))
    return {"missing": missing, "unexpected": unexpected}
