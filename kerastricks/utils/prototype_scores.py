import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.data_pruning import kmeans
from kerastricks.ops.data_pruning import prototype_distance
from kerastricks.utils import validation


@kerastricks_export("kerastricks.utils.prototype_scores")
def prototype_scores(embeddings, num_clusters, iterations=50, seed=0):
    """Scores examples by cosine distance to their nearest k-means prototype.

    "Beyond neural scaling laws" proposes a difficulty score that needs no
    labels: embed the data with a (self-supervised) encoder, run k-means in
    embedding space, and score each example by its cosine distance to the
    nearest centroid. Prototypical (easy) examples score low, atypical
    (hard) ones high; it matched the best supervised scores on ImageNet.

    ```python
    z = embeddings / |embeddings|
    centroids = spherical_kmeans(z, num_clusters)
    score_i = 1 - max_k cos(z_i, centroid_k)
    ```

    Args:
        embeddings: array `(num_examples, dim)`, e.g. an encoder's outputs.
        num_clusters: positive int, k (the paper uses about the number of
            classes).
        iterations: positive int, k-means iterations. Defaults to `50`.
        seed: int, seeds the k-means initialization. Defaults to `0`.

    Returns:
        A NumPy array `(num_examples,)` of cosine distances in [0, 2].

    Example:

    >>> points = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1], [1, 1]])
    >>> scores = kerastricks.utils.prototype_scores(points, num_clusters=2)
    >>> int(scores.argmax())
    4

    References:
        - [Sorscher et al., 2022](https://arxiv.org/abs/2206.14486), "Beyond
          neural scaling laws: beating power law scaling via data pruning".
    """
    embeddings = keras.ops.convert_to_tensor(embeddings, "float32")
    if len(embeddings.shape) != 2:
        raise ValueError(
            "Argument `embeddings` must have shape (num_examples, dim). "
            f"Received: shape {tuple(embeddings.shape)}"
        )
    num_clusters = validation.check_positive_int("num_clusters",
                                                 num_clusters)
    if num_clusters > embeddings.shape[0]:
        raise ValueError(
            "Argument `num_clusters` must not exceed the number of examples. "
            f"Received: num_clusters={num_clusters} for "
            f"{embeddings.shape[0]} examples"
        )
    iterations = validation.check_positive_int("iterations", iterations)
    centroids = kmeans(embeddings, num_clusters, iterations, seed)
    return keras.ops.convert_to_numpy(
        prototype_distance(embeddings, centroids)
    )
