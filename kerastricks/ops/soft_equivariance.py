"""Finite groups of transforms of signals and images, and the penalty on a
model's non-equivariance under them ("Regularizing Towards Soft
Equivariance Under Mixed Symmetries", Kim, Lee, Yang and Lee, ICML 2023,
arXiv 2306.00356).

Inputs are channels_last: `(batch, length)` is a 1-D signal with no channel
axis; `(batch, *spatial, channels)` has the spatial axes between the batch
and the channels. A group element is a tuple `(flips, quarter_turns,
shifts)`: reverse the spatial axes in `flips`, then rotate the first two
spatial axes by `quarter_turns` * 90 degrees (counter-clockwise, as
`numpy.rot90`), then shift cyclically by `shifts` (one int per spatial
axis), so every element is a permutation of the pixels.
"""

import itertools

from keras import ops

from kerastricks.utils import validation

GROUPS = ("dihedral", "flips", "rotations", "translations")
OUTPUT_ACTIONS = ("equivariant", "invariant")


def check_group_options(group, max_shift):
    """Checks a group name and the translation radius; returns them."""
    validation.check_one_of("group", group, GROUPS)
    if isinstance(max_shift, bool) or not isinstance(max_shift, int):
        raise TypeError(
            "Argument `max_shift` must be a positive int. Received: "
            f"max_shift={max_shift!r} of type {type(max_shift).__name__}")
    validation.check_positive_int("max_shift", max_shift)
    return group, max_shift


def spatial_axes(rank):
    """The spatial axes of a channels_last tensor of `rank`."""
    return (1,) if rank == 2 else tuple(range(1, rank - 1))


def group_elements(group, spatial_rank, max_shift=1):
    """The elements of `group` acting on `spatial_rank` spatial axes, the
    identity first: "dihedral" (8: four rotations by 90 degrees, each with
    and without a flip; two spatial axes), "rotations" (4; two spatial
    axes), "flips" (every subset of the spatial axes reversed: 2^d) and
    "translations" (every cyclic shift in [-max_shift, max_shift] per
    axis: (2 max_shift + 1)^d)."""
    check_group_options(group, max_shift)
    no_shift = (0,) * spatial_rank
    if group in ("dihedral", "rotations"):
        if spatial_rank != 2:
            raise ValueError(
                f"The group {group!r} rotates images: it needs inputs with "
                "2 spatial axes, (batch, height, width, channels). "
                f"Received: inputs with {spatial_rank} spatial axes")
        flip_options = ((), (2,)) if group == "dihedral" else ((),)
        return [(flips, turns, no_shift)
                for flips in flip_options for turns in range(4)]
    if group == "flips":
        return [(tuple(axis + 1 for axis, flip in enumerate(pattern)
                       if flip), 0, no_shift)
                for pattern in itertools.product((False, True),
                                                 repeat=spatial_rank)]
    offsets = sorted(range(-max_shift, max_shift + 1), key=abs)
    return [((), 0, shifts)
            for shifts in itertools.product(offsets, repeat=spatial_rank)]


def apply_group_element(tensor, element):
    """`tensor` (channels_last) transformed by one group element."""
    flips, quarter_turns, shifts = element
    axes = spatial_axes(len(tensor.shape))
    if flips:
        tensor = ops.flip(tensor, axis=flips)
    for _ in range(quarter_turns % 4):
        # rot90 = transpose the two spatial axes, then reverse the rows.
        permutation = list(range(len(tensor.shape)))
        permutation[1], permutation[2] = 2, 1
        tensor = ops.flip(ops.transpose(tensor, permutation), axis=1)
    for axis, shift in zip(axes, shifts):
        if shift:
            tensor = ops.roll(tensor, shift, axis=axis)
    return tensor


def _spatial_shape(tensor):
    return tuple(tensor.shape[axis]
                 for axis in spatial_axes(len(tensor.shape)))


def _check_output(output_action, inputs, outputs, group):
    if output_action == "equivariant" and (
            len(outputs.shape) != len(inputs.shape)
            or _spatial_shape(outputs) != _spatial_shape(inputs)):
        raise ValueError(
            "An 'equivariant' output action applies the input's transform "
            "to the outputs, which must have the inputs' rank and spatial "
            "shape (feature maps). Received: inputs of shape "
            f"{tuple(inputs.shape)} and "
            f"outputs of shape {tuple(outputs.shape)} under group {group!r}")


def equivariance_penalty(fn, inputs, group="dihedral",
                         output_action="invariant", max_shift=1):
    """How far `fn` is from equivariant under a finite group of transforms.

    The mean over the group's elements g (uniform over the whole group,
    identity included) and the batch of the mean squared difference between
    `fn(g inputs)` and `g fn(inputs)`, where g acts on the outputs as the
    identity (`output_action="invariant"`: class scores, embeddings) or as
    on the inputs (`"equivariant"`: feature maps of the inputs' shape). It
    is 0 exactly when `fn` is invariant (equivariant) on these inputs. All
    transformed copies go through `fn` in one call, `|G|` times the batch.

    ```python
    penalty = mean_g mean((fn(g x) - rho_out(g) fn(x)) ** 2)
    # rho_out(g) = identity (invariant) or g itself (equivariant)
    ```

    Args:
        fn: a callable from a channels_last batch to outputs (a model).
        inputs: `(batch, length)` or `(batch, *spatial, channels)`.
        group: one of `GROUPS`. Defaults to `"dihedral"`.
        output_action: `"invariant"` or `"equivariant"`. Defaults to
            `"invariant"`.
        max_shift: positive int, the largest shift of `"translations"`.
            Defaults to `1`.

    Returns:
        A scalar tensor, in float32 or the outputs' wider float dtype.
    """
    validation.check_one_of("output_action", output_action, OUTPUT_ACTIONS)
    inputs = ops.convert_to_tensor(inputs)
    elements = group_elements(group, len(spatial_axes(len(inputs.shape))),
                              max_shift)
    views = ops.concatenate(
        [apply_group_element(inputs, element) for element in elements],
        axis=0)
    outputs = fn(views)
    batch = ops.shape(inputs)[0]
    original = outputs[:batch]
    _check_output(output_action, inputs, original, group)
    dtype = "float64" if original.dtype == "float64" else "float32"
    original = ops.cast(original, dtype)
    squared = []
    for index, element in enumerate(elements[1:], start=1):
        transformed = ops.cast(outputs[index * batch:(index + 1) * batch],
                               dtype)
        expected = (apply_group_element(original, element)
                    if output_action == "equivariant" else original)
        squared.append(ops.mean(ops.square(transformed - expected)))
    # The identity contributes 0 to the mean over the group.
    return ops.sum(ops.stack(squared)) / len(elements)
