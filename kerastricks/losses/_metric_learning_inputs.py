"""Argument and input checks shared by the metric-learning losses."""

import keras

from kerastricks.ops.metric_learning import DISTANCE_METRICS
from kerastricks.utils import validation


def check_distance_metric(distance_metric):
    """A name of `DISTANCE_METRICS` or a callable; returns it."""
    if callable(distance_metric):
        return distance_metric
    if not isinstance(distance_metric, str):
        raise TypeError(
            f"Argument `distance_metric` must be one of "
            f"{list(DISTANCE_METRICS)} or a function of the embeddings "
            f"returning their (batch, batch) distance matrix. Received: "
            f"distance_metric={distance_metric!r} of type "
            f"{type(distance_metric).__name__}")
    return validation.check_one_of("distance_metric", distance_metric,
                                   DISTANCE_METRICS)


def serialize_distance_metric(distance_metric):
    if isinstance(distance_metric, str):
        return distance_metric
    return keras.saving.serialize_keras_object(distance_metric)


def deserialize_distance_metric(config):
    config = dict(config)
    if isinstance(config.get("distance_metric"), dict):
        config["distance_metric"] = keras.saving.deserialize_keras_object(
            config["distance_metric"])
    return config


def check_embedding_inputs(loss_name, y_true, y_pred):
    """Integer labels (batch,) or (batch, 1) and float embeddings (batch,
    dim); returns both as tensors."""
    y_pred = validation.check_predictions(loss_name, y_pred)
    if len(y_pred.shape) != 2:
        raise ValueError(
            f"{loss_name} expects embeddings of shape (batch, dim). "
            f"Received: y_pred of shape {tuple(y_pred.shape)}")
    return validation.check_loss_inputs(loss_name, y_true, y_pred,
                                        labels="sparse")
