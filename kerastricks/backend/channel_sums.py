"""Per-output-channel sums of products, the reductions of AdamP's
scale-invariance test and projection.

The backend need `channel_sums(pairs)`: one implementation per backend, in
`kerastricks/backend/<name>/channel_sums.py`, taking `(a, b)` pairs of
(rows, channels) tensors and returning, for each pair, the (1, channels)
tensor `sum(a * b, axis=0)`:

- JAX and TensorFlow: `blocked_channel_sums`. XLA on the CPU (as
  TensorFlow 2.21 ships it) writes every product to memory before a long
  reduction and sums it in a separate kernel, but fuses elementwise work:
  adding the rows in eight interleaved blocks first makes one loop over the
  inputs of all the pairs, and the eight-times-smaller partial sums are
  reduced after. JAX's XLA fuses the plain form, but the blocked one is
  still faster there;
- torch: `summed_over_rows`, the plain reduction (its eager optimizer steps
  have their own kernels; this serves `remove_radial_component`).
"""

import importlib

import keras
from keras import ops


def summed_over_rows(pairs):
    """`[sum(a * b, axis=0, keepdims=True) for a, b in pairs]`."""
    return [ops.sum(a * b, axis=0, keepdims=True) for a, b in pairs]


# Rows are added in at most this many blocks before the reduction: enough to
# shrink what the reduction reads eightfold, few enough input streams for
# one loop (with 16 blocks XLA falls back to a slow loop).
MAX_BLOCKS = 8
# TensorFlow's XLA fuses a reduction over at most this many rows into the
# loop that computes its input, which then walks each channel's column a
# full row apart: several times slower than the plain reduction. The
# partial sums must have more rows than this, so that they are reduced in a
# kernel of their own.
FUSED_REDUCTION_ROWS = 32


def blocked_channel_sums(pairs):
    """`summed_over_rows` for XLA: the rows of tall tensors are first added
    in a few interleaved blocks (one elementwise loop over all the pairs'
    inputs), then the smaller partial sums are reduced."""
    rows, channels = pairs[0][0].shape
    blocks = MAX_BLOCKS
    while blocks > 1 and rows // blocks <= FUSED_REDUCTION_ROWS:
        blocks //= 2
    if blocks == 1:
        return summed_over_rows(pairs)
    block_rows = rows // blocks
    blocked = blocks * block_rows
    partials = []
    for a, b in pairs:
        product = a * b
        in_blocks = ops.reshape(product[:blocked],
                                (blocks, block_rows, channels))
        # Additions of whole blocks, not a reduction: XLA fuses them with
        # the products into one elementwise loop.
        partial = in_blocks[0]
        for index in range(1, blocks):
            partial = partial + in_blocks[index]
        if blocked < rows:
            partial = ops.concatenate([partial, product[blocked:]], axis=0)
        partials.append(partial)
    totals = ops.sum(ops.stack(partials, axis=1), axis=0)
    return [totals[index:index + 1] for index in range(len(pairs))]


def channel_sums(pairs):
    """For each `(a, b)` pair of (rows, channels) tensors, the (1, channels)
    sum over rows of `a * b`."""
    name = keras.config.backend()
    module = importlib.import_module(
        f"kerastricks.backend.{name}.channel_sums")
    return module.channel_sums(pairs)
