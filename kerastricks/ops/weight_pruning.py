"""Weight pruning: masks from scores, per-class errors, loss barriers and
representation similarity (the functional core of `PrunedDense`,
`class_aware_iterative_pruning`, `interpolation_barrier` and
`three_regime_pruning`)."""

import math

import keras
from keras import ops

from kerastricks.utils import validation

WEIGHT_PRUNING_CRITERIA = ("magnitude", "magnitude_increase")


def kept_count(size, sparsity):
    """How many of `size` weights a mask of `sparsity` keeps: `size -
    round(sparsity * size)` (Python ints, so that every round prunes an
    exact, reproducible number of weights)."""
    validation.check_in_range("sparsity", sparsity, 0.0, 1.0)
    return size - int(math.floor(sparsity * size + 0.5))


def weight_pruning_scores(weights, initial_weights=None, criterion="magnitude"):
    """How much each weight is worth keeping: `|w|` ("magnitude") or `|w| -
    |w_0|` ("magnitude_increase", the criterion of the class-dependent
    pruning authors' code, with `w_0` the weights at the rewind point)."""
    validation.check_one_of("criterion", criterion, WEIGHT_PRUNING_CRITERIA)
    scores = ops.abs(ops.cast(weights, "float32"))
    if criterion == "magnitude":
        return scores
    if initial_weights is None:
        raise ValueError(
            "criterion='magnitude_increase' needs `initial_weights` (the "
            "weights the pruned network is rewound to). Received: "
            "initial_weights=None"
        )
    return scores - ops.abs(ops.cast(initial_weights, "float32"))


def magnitude_pruning_mask(scores, mask, sparsity):
    """The mask that keeps the `kept_count(size, sparsity)` highest-scoring
    weights among those `mask` still keeps.

    Pruned weights never come back (the new mask is below the old one), and
    exactly `round(sparsity * size)` entries are zero (equal scores at the
    cut are split by the backend's sort). `sparsity` is a Python float;
    `scores` and `mask` have one shape.
    """
    if tuple(scores.shape) != tuple(mask.shape):
        raise ValueError(
            "`scores` and `mask` must have one shape. Received: scores of "
            f"shape {tuple(scores.shape)} and mask of shape "
            f"{tuple(mask.shape)}"
        )
    size = int(math.prod(mask.shape))
    keep = kept_count(size, sparsity)
    flat_mask = ops.reshape(ops.cast(mask, "float32"), (-1,))
    flat_scores = ops.reshape(ops.cast(scores, "float32"), (-1,))
    # Pruned weights rank below every kept one, whatever their score.
    ranked = ops.where(flat_mask > 0, flat_scores, -float("inf"))
    # Ranks by a full sort: static shapes, so one compiled op per shape
    # rather than one per sparsity.
    order = ops.argsort(-ranked)
    ranks = ops.argsort(order)
    new_mask = ops.cast(ranks < keep, "float32")
    return ops.reshape(ops.minimum(new_mask, flat_mask), mask.shape)


def per_class_false_negatives(labels, predictions, num_classes):
    """`(num_classes,)` counts of examples of class c predicted as another
    class (the false negatives of c in one-vs-rest terms).

    `labels` are integer classes; `predictions` are integer classes or
    `(batch, num_classes)` scores (argmax taken)."""
    validation.check_positive_int("num_classes", num_classes)
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    if len(predictions.shape) == 2:
        predictions = ops.argmax(predictions, axis=-1)
    predictions = ops.reshape(ops.cast(predictions, "int32"), (-1,))
    missed = ops.cast(ops.not_equal(labels, predictions), "float32")
    return ops.sum(ops.one_hot(labels, num_classes) * missed[:, None], axis=0)


def per_class_recall(labels, predictions, num_classes):
    """`(num_classes,)` recall (true positives over support) of each class;
    a class absent from `labels` has recall 1 (it has no false negative)."""
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    support = ops.sum(ops.one_hot(labels, num_classes), axis=0)
    false_negatives = per_class_false_negatives(
        labels, predictions, num_classes
    )
    return ops.where(
        support > 0, 1.0 - false_negatives / ops.maximum(support, 1.0), 1.0
    )


def interpolation_barrier_height(losses, alphas):
    """The barrier of a loss curve along θ(α) = (1 - α) θ_a + α θ_b:
    `max_α [loss(α) - ((1 - α) loss(0) + α loss(1))]`, with `losses[0]` and
    `losses[-1]` the endpoint losses (at α = 0 and α = 1)."""
    losses = ops.cast(losses, "float32")
    alphas = ops.cast(alphas, "float32")
    chord = (1.0 - alphas) * losses[0] + alphas * losses[-1]
    return ops.amax(losses - chord)


def linear_cka(features_a, features_b):
    """Linear centered kernel alignment of two `(examples, features)`
    matrices: `||A_c^T B_c||_F^2 / (||A_c^T A_c||_F ||B_c^T B_c||_F)` with
    columns centered; 1 for representations equal up to rotation and
    isotropic scaling."""
    a = ops.cast(
        keras.ops.reshape(features_a, (features_a.shape[0], -1)), "float32"
    )
    b = ops.cast(
        keras.ops.reshape(features_b, (features_b.shape[0], -1)), "float32"
    )
    a = a - ops.mean(a, axis=0, keepdims=True)
    b = b - ops.mean(b, axis=0, keepdims=True)
    cross = ops.sum(ops.square(ops.matmul(ops.transpose(a), b)))
    self_a = ops.sqrt(ops.sum(ops.square(ops.matmul(ops.transpose(a), a))))
    self_b = ops.sqrt(ops.sum(ops.square(ops.matmul(ops.transpose(b), b))))
    return cross / ops.maximum(self_a * self_b, 1e-12)


def mode_connectivity(losses):
    """The signed mode connectivity of a loss curve between two networks
    (Yang et al., 2021, used by the three-regime model): `mc = (loss(0) +
    loss(1)) / 2 - loss(t*)`, with `t*` the point where `|(loss(0) +
    loss(1)) / 2 - loss(t)|` is largest. Negative: a barrier (poorly
    connected); near 0: well connected."""
    losses = ops.cast(losses, "float32")
    gaps = 0.5 * (losses[0] + losses[-1]) - losses
    return ops.take(gaps, ops.argmax(ops.abs(gaps)))


PRUNING_REGIMES = ("I", "II-A", "II-B")


def classify_pruning_regime(
    barriers, similarities, barrier_threshold, similarity_threshold
):
    """The three-regime model's label, as an index into `PRUNING_REGIMES`:
    0 (Regime I, poorly connected: barrier above `barrier_threshold`),
    1 (Regime II-A: connected, output similarity below
    `similarity_threshold`) or 2 (Regime II-B: connected and similar)."""
    barriers = ops.cast(barriers, "float32")
    similarities = ops.cast(similarities, "float32")
    connected = barriers <= barrier_threshold
    similar = similarities >= similarity_threshold
    return ops.where(connected, ops.where(similar, 2, 1), 0)
