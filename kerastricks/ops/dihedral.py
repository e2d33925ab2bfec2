"""The eight symmetries of a square image (the dihedral group D4: four
rotations by 90 degrees, each with and without a mirror flip), for
rotation-view pooling ("Rotation-invariant convolutional neural networks
for galaxy morphology prediction", Dieleman, Willett and Dambre, 2015,
arXiv 1503.07077)."""

from keras import ops

NUM_VIEWS = 8


def _spatial_axes(data_format):
    return (2, 3) if data_format == "channels_first" else (1, 2)


def dihedral_views(images, data_format="channels_last"):
    """The 8 rotated and flipped copies of square `images`, stacked on the
    batch axis view-major: `(8 * batch, ...)`.

    The transpose (a flip about the diagonal) and the two axis flips
    generate the group: {identity, flip rows, flip columns, both} and the
    same four after a transpose are the 4 rotations and 4 reflections.
    """
    rows, columns = _spatial_axes(data_format)
    permutation = list(range(4))
    permutation[rows], permutation[columns] = columns, rows
    views = []
    for base in (images, ops.transpose(images, permutation)):
        views += [base, ops.flip(base, axis=rows), ops.flip(base, axis=columns),
                  ops.flip(base, axis=(rows, columns))]
    return ops.concatenate(views, axis=0)


def rotation_view_average(fn, images, data_format="channels_last"):
    """`mean over the 8 symmetries g of fn(g(images))`: exactly invariant
    to 90-degree rotations and flips of `images` (up to float rounding)."""
    outputs = fn(dihedral_views(images, data_format))
    shape = tuple(ops.shape(outputs)[1:])
    per_view = ops.reshape(outputs, (NUM_VIEWS, -1) + shape)
    return ops.mean(per_view, axis=0)
