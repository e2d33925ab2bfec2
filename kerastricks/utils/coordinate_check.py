import os

import keras
import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.mup import activation_change_rms
from kerastricks.utils import validation
from kerastricks.utils.optional_dependencies import import_optional


def _check_widths(widths):
    if (not isinstance(widths, (list, tuple)) or len(widths) < 2
            or not all(isinstance(width, int) and not isinstance(width, bool)
                       and width > 0 for width in widths)):
        raise ValueError(
            "Argument `widths` must be a list of at least two ints > 0. "
            f"Received: widths={widths!r}")
    return list(widths)


def _feature_model(model, owner):
    layers = [layer for layer in model.layers
              if not isinstance(layer, keras.layers.InputLayer)]
    try:
        outputs = [layer.output for layer in layers]
        inputs = model.inputs
        # A single input is passed as a tensor, not a one-element list.
        inputs = inputs[0] if len(inputs) == 1 else inputs
        return keras.Model(inputs, outputs), layers
    except (AttributeError, ValueError) as error:
        raise ValueError(
            f"{owner} reads every layer's output, so `build_model` must "
            "return a built Sequential or functional keras.Model. Received: "
            f"{type(model).__name__} ({error})") from error


def _plot(path, widths, changes):
    pyplot = import_optional("matplotlib.pyplot", "coordinate_check")
    figure = pyplot.figure(figsize=(5, 4))
    axes = figure.add_subplot()
    for name, values in changes.items():
        axes.plot(widths, values, marker="o", label=name)
    axes.set_xscale("log", base=2)
    axes.set_yscale("log")
    axes.set_xlabel("width")
    axes.set_ylabel("RMS of the activation change")
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(str(path), format="png")
    pyplot.close(figure)


@kerastricks_export("kerastricks.utils.coordinate_check")
def coordinate_check(build_model, widths, x, y, steps=3, path=None):
    """The µP coordinate check: how much each layer's output moves, by width.

    Under a correct µP every layer's activations change by O(1) per
    coordinate in the first steps, whatever the width: the curves of this
    check are flat. Under the standard parametrization with Adam (or a
    wrongly marked layer) they grow with the width, which is the bug this
    check was designed to catch (Tensor Programs V, Section D.1).

    ```python
    for width in widths:
        model = build_model(width)            # compiled, with its optimizer
        h0 = [layer(x) for layer in model.layers]
        for _ in range(steps): model.train_on_batch(x, y)
        h = [layer(x) for layer in model.layers]
        changes[layer][width] = sqrt(mean((h - h0) ** 2))
    ```

    Args:
        build_model: callable taking a width (int) and returning a compiled
            Sequential or functional `keras.Model`, the same architecture
            at every width.
        widths: list of at least two ints > 0.
        x: a batch of inputs, the same at every width.
        y: the batch's targets.
        steps: positive int, the `train_on_batch` steps. Defaults to `3`,
            the paper's check.
        path: string or `None`; where to write a PNG of the curves
            (needs matplotlib). Defaults to `None`.

    Returns:
        A dict mapping each layer's name (from the model of the first
        width; layers are matched by position) to a list of floats, the
        RMS of its output change at each width.

    Example:

    >>> def build(width):
    ...     model = keras.Sequential([
    ...         keras.Input((4,)), keras.layers.Dense(width, name="hidden"),
    ...         keras.layers.Dense(1, name="readout")])
    ...     model.compile(optimizer="sgd", loss="mse")
    ...     return model
    >>> changes = kerastricks.utils.coordinate_check(
    ...     build, [8, 16], np.ones((4, 4)), np.zeros((4, 1)), steps=1)
    >>> sorted(changes)
    ['hidden', 'readout']

    References:
        - [Yang et al., 2022](https://arxiv.org/abs/2203.03466), "Tensor
          Programs V: Tuning Large Neural Networks via Zero-Shot
          Hyperparameter Transfer" (Section D.1, coordinate check).
    """
    if not callable(build_model):
        raise TypeError(
            "Argument `build_model` must be a callable taking a width and "
            "returning a compiled keras.Model. Received: "
            f"build_model={build_model!r}")
    widths = _check_widths(widths)
    steps = validation.check_positive_int("steps", steps)
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            "Argument `path` must be None or a file path (str or "
            f"os.PathLike). Received: path={path!r}")
    names, changes = None, None
    for width in widths:
        model = build_model(width)
        if (not isinstance(model, keras.Model)
                or getattr(model, "optimizer", None) is None):
            raise TypeError(
                "Argument `build_model` must return a compiled keras.Model. "
                f"Received: {model!r} for width={width}")
        features, layers = _feature_model(model, "coordinate_check")
        if names is None:
            names = [layer.name for layer in layers]
            changes = {name: [] for name in names}
        elif len(layers) != len(names):
            raise ValueError(
                "Argument `build_model` must build the same architecture at "
                f"every width. Received: {len(names)} layers at width "
                f"{widths[0]} and {len(layers)} at width {width}")
        before = features(x, training=False)
        for _ in range(steps):
            model.train_on_batch(x, y)
        after = features(x, training=False)
        for name, old, new in zip(names, before, after):
            changes[name].append(
                float(keras.ops.convert_to_numpy(
                    activation_change_rms(old, new))))
    if path is not None:
        _plot(path, widths, changes)
    return {name: list(np.asarray(values, dtype=float).tolist())
            for name, values in changes.items()}
