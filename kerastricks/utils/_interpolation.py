"""Shared steps of `interpolation_barrier` and
`layerwise_interpolation_barrier`: checks, the walk along the line, and the
PNG."""

import os

import numpy as np
from keras import ops

from kerastricks.ops.weight_pruning import interpolation_barrier_height
from kerastricks.utils import validation
from kerastricks.utils.optional_dependencies import import_optional


def check_weight_lists(model, weights_a, weights_b):
    """Both weight lists must match `model.get_weights()` in length and
    shapes; returns them as float NumPy arrays."""
    shapes = [tuple(v.shape) for v in model.weights]
    checked = []
    for name, weights in (("weights_a", weights_a), ("weights_b", weights_b)):
        if not isinstance(weights, (list, tuple)):
            raise TypeError(
                f"Argument `{name}` must be a list of arrays, as "
                f"model.get_weights() returns. Received: {name} of type "
                f"{type(weights).__name__}"
            )
        arrays = [np.asarray(w) for w in weights]
        received = [tuple(a.shape) for a in arrays]
        if received != shapes:
            raise ValueError(
                f"Argument `{name}` must match model.get_weights() in "
                f"number and shapes. Expected shapes {shapes}. Received: "
                f"{received}"
            )
        checked.append(arrays)
    return checked


def check_path_arguments(model, weights_a, weights_b, data, num_points,
                         batch_size, plot_path):
    """The checks shared by the barrier probes; returns
    `(x, y, weights_a, weights_b)` as the probes use them."""
    x, y = check_evaluation(model, data)
    weights_a, weights_b = check_weight_lists(model, weights_a, weights_b)
    check_path_sampling(num_points, batch_size)
    check_plot_path(plot_path)
    return x, y, weights_a, weights_b


def check_path_sampling(num_points, batch_size):
    """`num_points` along a path (both endpoints included) and the
    evaluation `batch_size` (`None` for Keras's default); returns
    `num_points` as an int."""
    num_points = validation.check_positive_int("num_points", num_points)
    if num_points < 2:
        raise ValueError(
            "Argument `num_points` must be >= 2 (both endpoints). "
            f"Received: num_points={num_points}"
        )
    if batch_size is not None:
        validation.check_positive_int("batch_size", batch_size)
    return num_points


def check_evaluation(model, data):
    """`data` must be `(x, y)` and `model` compiled; returns `(x, y)`."""
    validation.check_built_model("model", model)
    if not model.compiled or model.loss is None:
        raise ValueError(
            "Argument `model` must be compiled with the loss to interpolate "
            f"(and optionally an accuracy metric). Received: model="
            f"{model.name}, not compiled"
        )
    return validation.check_examples("data", data)


def evaluate(model, x, y, batch_size):
    """`(loss, accuracy or NaN)` of `model` on `(x, y)`."""
    logs = model.evaluate(
        x, y, batch_size=batch_size, verbose=0, return_dict=True
    )
    accuracy = [value for key, value in logs.items() if "accuracy" in key]
    return float(logs["loss"]), float(accuracy[0]) if accuracy else np.nan


def interpolate(weights_a, weights_b, alpha, selected=None):
    """(1 - alpha) a + alpha b on the weights whose index is in `selected`
    (all when None), a elsewhere; integer weights are taken from a."""
    mixed = []
    for index, (a, b) in enumerate(zip(weights_a, weights_b)):
        chosen = selected is None or index in selected
        if chosen and np.issubdtype(a.dtype, np.floating):
            mixed.append(((1.0 - alpha) * a + alpha * b).astype(a.dtype))
        else:
            mixed.append(a)
    return mixed


def barrier_along_line(
    model, weights_a, weights_b, x, y, num_points, batch_size, selected=None
):
    original = model.get_weights()
    alphas = np.linspace(0.0, 1.0, num_points)
    losses, accuracies = [], []
    try:
        for alpha in alphas:
            model.set_weights(
                interpolate(weights_a, weights_b, alpha, selected)
            )
            loss, accuracy = evaluate(model, x, y, batch_size)
            losses.append(loss)
            accuracies.append(accuracy)
    finally:
        model.set_weights(original)
    barrier = float(
        ops.convert_to_numpy(
            interpolation_barrier_height(
                np.asarray(losses, "float32"), alphas.astype("float32")
            )
        )
    )
    return {
        "alphas": alphas.tolist(),
        "losses": losses,
        "accuracies": accuracies,
        "barrier": barrier,
        "argmax_alpha": float(
            alphas[
                int(
                    np.argmax(
                        np.asarray(losses)
                        - ((1 - alphas) * losses[0] + alphas * losses[-1])
                    )
                )
            ]
        ),
    }


def save_curves(curves, plot_path, title):
    pyplot = import_optional("matplotlib.pyplot", "interpolation_barrier")
    figure, axis = pyplot.subplots(figsize=(5, 3.5))
    for label, curve in curves.items():
        axis.plot(
            curve["alphas"],
            curve["losses"],
            marker="o",
            label=f"{label} (barrier {curve['barrier']:.3g})",
        )
    axis.set_xlabel("alpha")
    axis.set_ylabel("loss")
    axis.set_title(title)
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(plot_path)
    pyplot.close(figure)


def check_plot_path(plot_path):
    if plot_path is not None and not isinstance(plot_path, (str, os.PathLike)):
        raise TypeError(
            "Argument `plot_path` must be None or a file path (str or "
            f"os.PathLike). Received: plot_path={plot_path!r} of type "
            f"{type(plot_path).__name__}"
        )
