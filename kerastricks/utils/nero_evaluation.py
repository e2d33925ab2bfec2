import math
import numbers

import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation
from kerastricks.utils.optional_dependencies import import_optional

TRANSFORMS = ("rotation", "translation")
FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _check_orbit(transform, orbit):
    """The orbit as a float array: angles `(n,)` or shifts `(n, 2)`."""
    if orbit is None:
        if transform == "rotation":
            return np.arange(0.0, 360.0, 15.0)
        return np.array([(rows, columns) for rows in range(-2, 3)
                         for columns in range(-2, 3)], "float64")
    if not isinstance(orbit, (list, tuple, np.ndarray)) or not len(orbit):
        raise TypeError(
            "Argument `orbit` must be a non-empty list of angles in degrees "
            "(rotation) or of (rows, columns) shifts (translation). "
            f"Received: orbit={orbit!r} of type {type(orbit).__name__}")
    point_shape = () if transform == "rotation" else (2,)
    points = []
    for point in orbit:
        values = np.asarray(point, dtype=object)
        if values.shape != point_shape or not all(
                isinstance(value, numbers.Real) and not isinstance(
                    value, bool) and math.isfinite(value)
                for value in values.reshape(-1)):
            what = ("a finite angle in degrees" if transform == "rotation"
                    else "a (rows, columns) pair of finite shifts")
            raise ValueError(
                f"Argument `orbit` must hold one {what} per point for "
                f"transform={transform!r}. Received: orbit={orbit!r}")
        points.append(np.asarray(point, "float64"))
    return np.stack(points)


def _affine_parameters(transform, point, height, width):
    """Keras's 8 affine parameters, mapping each output pixel (x, y) to the
    input pixel it reads: a counter-clockwise rotation by `point` degrees
    about the image centre (as `numpy.rot90` for 90), or a shift moving the
    content by `point = (rows, columns)` pixels."""
    if transform == "translation":
        rows, columns = point
        return [1.0, 0.0, -columns, 0.0, 1.0, -rows, 0.0, 0.0]
    angle = np.deg2rad(point)
    cosine, sine = np.cos(angle), np.sin(angle)
    centre_x, centre_y = (width - 1) / 2.0, (height - 1) / 2.0
    return [cosine, -sine,
            centre_x - cosine * centre_x + sine * centre_y,
            sine, cosine,
            centre_y - sine * centre_x - cosine * centre_y, 0.0, 0.0]


def _plot(path, transform, orbit, confidence, accuracy):
    pyplot = import_optional("matplotlib.pyplot", "nero_evaluation")
    figure = pyplot.figure(figsize=(4, 4))
    if transform == "rotation":
        # NERO's 1-D plot: the score as the radius at each angle.
        axes = figure.add_subplot(projection="polar")
        closed = np.append(np.deg2rad(orbit), np.deg2rad(orbit[0]))
        axes.plot(closed, np.append(confidence, confidence[0]),
                  label="confidence")
        axes.plot(closed, np.append(accuracy, accuracy[0]),
                  label="accuracy")
        axes.set_ylim(0.0, 1.0)
    else:
        axes = figure.add_subplot()
        positions = np.arange(len(orbit))
        axes.plot(positions, confidence, marker="o", label="confidence")
        axes.plot(positions, accuracy, marker="s", label="accuracy")
        axes.set_xticks(positions, [f"({int(r)},{int(c)})"
                                    for r, c in orbit], rotation=90)
        axes.set_xlabel("shift (rows, columns)")
        axes.set_ylim(0.0, 1.05)
    axes.legend(loc="lower left", fontsize="small")
    figure.tight_layout()
    figure.savefig(str(path), format="png")
    pyplot.close(figure)


@kerastricks_export("kerastricks.utils.nero_evaluation")
def nero_evaluation(model, x, y=None, transform="rotation", orbit=None,
                    from_logits=False, fill_mode="constant", batch_size=32,
                    path=None):
    """Evaluates a classifier along an orbit of transforms (NERO).

    A scalar accuracy hides where a model breaks; NERO evaluation
    transforms every test image by each point of an orbit (rotation
    angles, translations) and reports the model at each point, so that a
    model invariant to the transform gives a flat curve and a fragile one
    dips. Without labels, the *consensus* (the class with the highest
    probability averaged over the orbit) stands in for the ground truth.

    ```python
    for t in orbit:
        p_t = softmax?(model(T_t(x)))          # (batch, classes)
        confidence[t] = mean_i p_t[i, label_i]
        accuracy[t] = mean_i (argmax p_t[i] == label_i)
    label = y if y is not None else argmax_c mean_t p_t[:, c]  # consensus
    ```

    Images are transformed with `keras.ops.image.affine_transform`
    (bilinear): rotations about the image centre, counter-clockwise in
    degrees (multiples of 90 permute the pixels of a square image
    exactly), and translations moving the content by `(rows, columns)`
    pixels.

    Args:
        model: a `keras.Model` from channels_last images to class scores.
        x: images `(batch, height, width, channels)`.
        y: optional integer labels `(batch,)`; `None` uses the consensus.
            Defaults to `None`.
        transform: `"rotation"` or `"translation"`. Defaults to
            `"rotation"`.
        orbit: the orbit's points: angles in degrees (rotation) or
            `(rows, columns)` shifts (translation); `None` for every 15
            degrees, or every shift in [-2, 2]^2. Defaults to `None`.
        from_logits: bool, whether the model returns logits (a softmax
            turns them into probabilities). Defaults to `False`.
        fill_mode: how pixels from outside the image are filled:
            `"constant"` (zeros), `"nearest"`, `"reflect"` or `"wrap"`
            (cyclic: integer translations permute the pixels). Defaults to
            `"constant"`.
        batch_size: positive int, images per model call. Defaults to `32`.
        path: optional str or path, where to write the NERO plot as a PNG
            (needs matplotlib): a polar plot for rotations, a line over the
            shifts for translations. Defaults to `None`.

    Returns:
        A dict of NumPy arrays: `"orbit"` (the points), `"outputs"` (the
        model's outputs, `(points, batch, classes)`), `"probabilities"`
        (the same after the softmax when `from_logits`), `"labels"` (`y` or
        the consensus), `"confidence"` and `"accuracy"` (`(points,)`).

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 1),
    ...     keras.layers.GlobalAveragePooling2D(),
    ...     keras.layers.Softmax()])
    >>> result = kerastricks.utils.nero_evaluation(
    ...     model, np.random.rand(4, 8, 8, 1), orbit=[0, 90, 180, 270])
    >>> result["confidence"].shape
    (4,)
    >>> bool(np.ptp(result["confidence"]) < 1e-5)  # invariant: flat
    True

    References:
        - [Zhao et al., 2023](https://arxiv.org/abs/2305.19889),
          "Evaluating Machine Learning Models with NERO: Non-Equivariance
          Revealed on Orbits".
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            "Argument `model` must be a `keras.Model`. Received: "
            f"model={model!r} of type {type(model).__name__}")
    validation.check_one_of("transform", transform, TRANSFORMS)
    validation.check_bool("from_logits", from_logits)
    validation.check_one_of("fill_mode", fill_mode, FILL_MODES)
    validation.check_positive_int("batch_size", batch_size)
    points = _check_orbit(transform, orbit)
    images = np.asarray(x)
    if images.ndim != 4 or not np.issubdtype(images.dtype, np.number):
        raise ValueError(
            "Argument `x` must be a numeric batch of channels_last images "
            "(batch, height, width, channels). Received: x of shape "
            f"{images.shape} and dtype {images.dtype}")
    images = images.astype("float32")
    labels = None if y is None else np.asarray(y).reshape(-1)
    if labels is not None and labels.shape != (len(images),):
        raise ValueError(
            "Argument `y` must hold one integer label per image. Received: "
            f"y of shape {np.shape(y)} for x of shape {images.shape}")

    outputs = []
    height, width = images.shape[1:3]
    for point in points:
        parameters = np.tile(np.asarray(
            _affine_parameters(transform, point, height, width), "float32"),
            (len(images), 1))
        moved = ops.image.affine_transform(
            images, parameters, interpolation="bilinear",
            fill_mode=fill_mode)
        outputs.append(np.concatenate([
            ops.convert_to_numpy(model(moved[start:start + batch_size],
                                       training=False)).astype("float64")
            for start in range(0, len(images), batch_size)]))
    outputs = np.stack(outputs)
    if outputs.ndim != 3:
        raise ValueError(
            "nero_evaluation needs a classifier returning (batch, classes) "
            f"scores. Received: outputs of shape {outputs.shape[1:]}")
    probabilities = outputs
    if from_logits:
        shifted = np.exp(outputs - outputs.max(axis=-1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
    if labels is None:
        labels = np.argmax(probabilities.mean(axis=0), axis=-1)
    labels = labels.astype("int64")
    picked = np.take_along_axis(probabilities, labels[None, :, None],
                                axis=-1)[..., 0]
    confidence = picked.mean(axis=1)
    accuracy = (np.argmax(probabilities, axis=-1) == labels).mean(axis=1)
    if path is not None:
        _plot(path, transform, points, confidence, accuracy)
    return {
        "orbit": points,
        "outputs": outputs,
        "probabilities": probabilities,
        "labels": labels,
        "confidence": confidence,
        "accuracy": accuracy,
    }
