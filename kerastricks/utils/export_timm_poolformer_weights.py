import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import _timm_poolformer_layout as layout_map
from kerastricks.utils import validation

_NAME = "export_timm_poolformer_weights"


@kerastricks_export("kerastricks.utils.export_timm_poolformer_weights")
def export_timm_poolformer_weights(model, layout="timm"):
    """Writes a PoolFormer's weights as a PyTorch state dict of NumPy arrays.

    The inverse of `kerastricks.utils.load_timm_poolformer_weights`: every
    weight of a `kerastricks.models.PoolFormer`, named and laid out as
    timm's `poolformer_*` models (`layout="timm"`) or the authors' original
    code (`layout="original"`), kernels transposed to PyTorch's
    `(out, in, kh, kw)` and linear weights to `(out, in)`. Load it in
    PyTorch with `model.load_state_dict({k: torch.from_numpy(v) ...})`.

    Args:
        model: a `keras.Model` built by `kerastricks.models.PoolFormer`.
        layout: `"timm"` (timm >= 0.9 names) or `"original"` (the authors'
            code and timm before 0.9). Defaults to `"timm"`.

    Returns:
        A dict of tensor names to float32 NumPy arrays, in PyTorch's order.

    Example:

    >>> model = kerastricks.models.PoolFormer(
    ...     num_classes=2, input_shape=(8, 8, 3), depths=(1,),
    ...     embed_dims=(4,), mlp_ratios=(2,), patch_embedding=(3, 2, 1))
    >>> state = kerastricks.utils.export_timm_poolformer_weights(model)
    >>> state["stem.conv.weight"].shape, state["head.fc.weight"].shape
    ((4, 3, 3, 3), (2, 4))

    References:
        - [Yu et al., 2022](https://arxiv.org/abs/2111.11418), "MetaFormer
          Is Actually What You Need for Vision".
    """
    layout_map._check_model(_NAME, model)
    validation.check_one_of("layout", layout, layout_map.LAYOUTS)
    return {
        name: layout_map.to_torch(
            keras.ops.convert_to_numpy(variable.value), kind)
        for name, variable, kind in layout_map.entries(model, layout)
    }
