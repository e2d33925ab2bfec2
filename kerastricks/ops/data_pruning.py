"""Data-pruning scores of "Beyond neural scaling laws: beating power law
scaling via data pruning" (Sorscher et al., 2022, arXiv 2206.14486)."""

import keras
from keras import ops


def el2n(outputs, labels, from_logits=True):
    """EL2N score per example: |softmax(f(x)) - onehot(y)|_2."""
    outputs = ops.cast(outputs, "float32")
    probabilities = ops.softmax(outputs, axis=-1) if from_logits else outputs
    one_hot = ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"),
                          outputs.shape[-1])
    return ops.norm(probabilities - one_hot, axis=-1)


def kmeans(points, num_clusters, iterations=50, seed=None):
    """Spherical k-means (cosine similarity) on L2-normalized rows; returns
    the (num_clusters, dim) unit centroids. Initialized from random rows."""
    points = ops.cast(points, "float32")
    points = points / ops.maximum(ops.norm(points, axis=-1, keepdims=True),
                                  1e-12)
    count = points.shape[0]
    order = keras.random.shuffle(ops.arange(count), seed=seed)
    centroids = ops.take(points, order[:num_clusters], axis=0)
    for _ in range(iterations):
        assignment = ops.argmax(ops.matmul(points, ops.transpose(centroids)),
                                axis=-1)
        members = ops.one_hot(assignment, num_clusters)
        sums = ops.matmul(ops.transpose(members), points)
        sizes = ops.sum(members, axis=0)[:, None]
        # Empty clusters keep their previous centroid.
        updated = ops.where(sizes > 0, sums, centroids)
        centroids = updated / ops.maximum(
            ops.norm(updated, axis=-1, keepdims=True), 1e-12)
    return centroids


def prototype_distance(points, centroids):
    """Cosine distance of each row to its nearest centroid."""
    points = ops.cast(points, "float32")
    points = points / ops.maximum(ops.norm(points, axis=-1, keepdims=True),
                                  1e-12)
    similarity = ops.matmul(points, ops.transpose(centroids))
    return 1.0 - ops.amax(similarity, axis=-1)


def grand(per_example_gradients):
    """GraNd score per example: |d loss(x, y) / d theta|_2 over all the given
    per-example gradient tensors, each of shape `(batch,) + variable.shape`.
    """
    squares = [
        ops.sum(ops.reshape(ops.square(ops.cast(g, "float32")),
                            (g.shape[0], -1)), axis=1)
        for g in per_example_gradients
    ]
    return ops.sqrt(sum(squares))
