"""Fisher merging of "Merging Models with Fisher-Weighted Averaging" (Matena
& Raffel, NeurIPS 2022, arXiv 2111.09832)."""

import keras
from keras import ops


def class_probabilities(outputs, from_logits=True):
    """`(batch, classes)` probabilities of a classifier's outputs. One output
    column is read as the Bernoulli p(y=1|x) and expanded to (1 - p, p)."""
    outputs = ops.cast(outputs, "float32")
    if outputs.shape[-1] == 1:
        positive = ops.sigmoid(outputs) if from_logits else outputs
        return ops.concatenate([1.0 - positive, positive], axis=-1)
    return ops.softmax(outputs, axis=-1) if from_logits else outputs


def negative_log_likelihood(labels, outputs, from_logits=True):
    """Per-example -log p(y|x) of integer labels `y` under a categorical
    (several output columns) or Bernoulli (one column) classifier output."""
    outputs = ops.cast(outputs, "float32")
    labels = ops.reshape(labels, (-1,))
    if outputs.shape[-1] == 1:
        return keras.losses.binary_crossentropy(
            ops.cast(labels, "float32")[:, None], outputs,
            from_logits=from_logits,
        )
    return keras.losses.sparse_categorical_crossentropy(
        labels, outputs, from_logits=from_logits
    )


def fisher_weighted_average(values, fishers=None, weights=None,
                            fisher_floor=1e-6, favor_first_model=True):
    """Merges one variable across models: sum_i w_i F_i theta_i /
    sum_i w_i F_i, elementwise.

    `fishers=None` is the isotropic case (every F_i = 1): the `weights`-
    weighted average. Fishers are floored at `fisher_floor`; with
    `favor_first_model` only the first model's, so that coordinates no
    other model has information on keep the first model's value (the
    authors' default). Where every weighted Fisher is zero the first
    model's value is kept.
    """
    values = [ops.cast(value, "float32") for value in values]
    count = len(values)
    if weights is None:
        weights = [1.0 / count] * count
    if fishers is None:
        fishers = [ops.ones_like(values[0])] * count
    numerator = ops.zeros_like(values[0])
    denominator = ops.zeros_like(values[0])
    for index, (value, fisher, weight) in enumerate(
        zip(values, fishers, weights)
    ):
        fisher = ops.cast(fisher, "float32")
        if index == 0 or not favor_first_model:
            fisher = ops.maximum(fisher, fisher_floor)
        precision = weight * fisher
        numerator = numerator + precision * value
        denominator = denominator + precision
    informed = denominator > 0
    safe = ops.where(informed, denominator, ops.ones_like(denominator))
    return ops.where(informed, numerator / safe, values[0])
