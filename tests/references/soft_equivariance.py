"""NumPy reference of the soft-equivariance penalty: every group element
written out with `numpy.rot90`, `numpy.flip` and `numpy.roll`, the penalty
as an explicit loop over the elements."""

import itertools

import numpy as np


def np_group_transforms(group, spatial_rank, max_shift=1):
    """The group's elements as functions of a channels_last array."""
    axes = tuple(range(1, spatial_rank + 1))
    if group in ("dihedral", "rotations"):
        transforms = [lambda a, k=k: np.rot90(a, k, axes=(1, 2))
                      for k in range(4)]
        if group == "dihedral":
            transforms += [
                lambda a, k=k: np.rot90(np.flip(a, axis=2), k, axes=(1, 2))
                for k in range(4)]
        return transforms
    if group == "flips":
        return [lambda a, subset=subset: np.flip(a, axis=subset)
                for size in range(spatial_rank + 1)
                for subset in itertools.combinations(axes, size)]
    offsets = range(-max_shift, max_shift + 1)
    return [lambda a, shifts=shifts: np.roll(a, shifts, axis=axes)
            for shifts in itertools.product(offsets, repeat=spatial_rank)]


def np_equivariance_penalty(fn, inputs, group, output_action="invariant",
                            max_shift=1):
    """`mean_g mean((fn(g x) - rho_out(g) fn(x))**2)` in float64."""
    inputs = np.asarray(inputs)
    spatial_rank = 1 if inputs.ndim == 2 else inputs.ndim - 2
    original = np.asarray(fn(inputs), "float64")
    transforms = np_group_transforms(group, spatial_rank, max_shift)
    total = 0.0
    for transform in transforms:
        transformed = np.asarray(fn(transform(inputs)), "float64")
        expected = (transform(original) if output_action == "equivariant"
                    else original)
        total += np.mean((transformed - expected) ** 2)
    return total / len(transforms)
