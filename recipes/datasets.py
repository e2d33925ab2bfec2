"""Dataset helpers shared by the recipes: splits, local files and TFDS.

Nothing here downloads at import time; `tensorflow_datasets` is imported
only when a `tfds:NAME` dataset is asked for.
"""

import socket
import urllib.error

import numpy as np

from kerastricks.utils.optional_dependencies import MissingDependencyError
from kerastricks.utils.optional_dependencies import import_optional
from kerastricks.utils.optional_dependencies import install_hint


def split(x, y, validation_fraction=0.2, seed=0):
    """Shuffles `(x, y)` and returns `{"train": ..., "validation": ...}`."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = len(x) - max(1, int(round(validation_fraction * len(x))))
    train, validation = order[:cut], order[cut:]
    return {
        "train": (x[train], y[train]),
        "validation": (x[validation], y[validation]),
    }


def load_npz(path, seed=0):
    """Reads a `.npz` file holding `x`, `y` (split 80/20 here) or
    `x_train`, `y_train`, `x_validation`, `y_validation`."""
    if not str(path).endswith(".npz"):
        raise ValueError(
            "Data files must be NumPy `.npz` archives holding `x` and `y` "
            "(or `x_train`, `y_train`, `x_validation`, `y_validation`). "
            f"Received: data={str(path)!r}"
        )
    with np.load(path, allow_pickle=False) as archive:
        keys = set(archive.files)
        if {"x_train", "y_train", "x_validation", "y_validation"} <= keys:
            return {
                "train": (archive["x_train"], archive["y_train"]),
                "validation": (
                    archive["x_validation"], archive["y_validation"]
                ),
            }
        if {"x", "y"} <= keys:
            return split(archive["x"], archive["y"], seed=seed)
    raise ValueError(
        f"{path} must hold arrays `x` and `y`, or `x_train`, `y_train`, "
        f"`x_validation` and `y_validation`. It holds: {sorted(keys)}"
    )


def load_tfds(dataset_name, seed=0, keys=None):
    """Loads a TFDS dataset fully into NumPy arrays.

    Args:
        dataset_name: TFDS name, e.g. `"cifar10"`.
        seed: seed of the train/validation split when the dataset has
            neither a `validation` nor a `test` split.
        keys: `(input_key, label_key)` for datasets without supervised
            keys; `None` uses `as_supervised=True`.

    Returns:
        `{"train": (x, y), "validation": (x, y)}` of NumPy arrays.
    """
    tfds = _import_tfds()
    train, info = _load_train_split(tfds, dataset_name,
                                    as_supervised=keys is None)
    held_out = next(
        (name for name in ("validation", "test") if name in info.splits),
        None,
    )
    train_arrays = _to_numpy(tfds, train, keys)
    if held_out is None:
        return split(*train_arrays, validation_fraction=0.1, seed=seed)
    validation = tfds.load(dataset_name, split=held_out,
                           as_supervised=keys is None)
    return {"train": train_arrays,
            "validation": _to_numpy(tfds, validation, keys)}


def _to_numpy(tfds, dataset, keys):
    inputs, labels = [], []
    for batch in tfds.as_numpy(dataset.batch(1024)):
        if keys is not None:
            batch = (batch[keys[0]], batch[keys[1]])
        inputs.append(np.asarray(batch[0]))
        labels.append(np.asarray(batch[1]))
    return np.concatenate(inputs), np.concatenate(labels)


def check_images(splits, recipe_name):
    """Images as float32 `(n, height, width, channels)` in [0, 1] (uint8
    images are divided by 255; a missing channel axis is added) and int32
    labels, for the train and validation splits."""
    prepared = {}
    for split_name in ("train", "validation"):
        x, y = splits[split_name]
        x = np.asarray(x)
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4 or len(x) != len(y):
            raise ValueError(
                f"{recipe_name} expects images of shape (n, height, width, "
                f"channels) and n labels. Received: {split_name} x of shape "
                f"{np.shape(splits[split_name][0])}, y of shape "
                f"{np.shape(y)}"
            )
        if x.dtype == np.uint8:
            x = x.astype("float32") / 255.0
        prepared[split_name] = (x.astype("float32"),
                                np.asarray(y).astype("int32"))
    return prepared


def adapt_image_problem(explicit, splits):
    """The `(input_shape, num_classes)` of image `splits`, checked against
    what the recipe was made with (`explicit`, `None` meaning "from the
    data")."""
    input_shape = tuple(splits["train"][0].shape[1:])
    num_classes = infer_num_classes(splits)
    if explicit["input_shape"] not in (None, input_shape):
        raise ValueError(
            f"The data has images of shape {input_shape} but the recipe "
            f"was made with input_shape={explicit['input_shape']}"
        )
    if explicit["num_classes"] is not None and (
        num_classes > explicit["num_classes"]
    ):
        raise ValueError(
            f"The data has labels up to {num_classes - 1} but the recipe "
            f"was made with num_classes={explicit['num_classes']}"
        )
    return input_shape, explicit["num_classes"] or num_classes


def infer_num_classes(splits):
    """The number of classes of integer labels: `max label + 1`."""
    return int(
        max(np.max(splits[name][1]) for name in ("train", "validation")) + 1
    )


def load_tfds_text(dataset_name, max_characters):
    """Joins the text of a TFDS dataset's `train` split (its first string
    feature, e.g. `text`) up to `max_characters` characters."""
    tfds = _import_tfds()
    dataset, info = _load_train_split(tfds, dataset_name)
    text_keys = [
        key for key, feature in info.features.items()
        if isinstance(feature, tfds.features.Text)
    ]
    if not text_keys:
        raise ValueError(
            f"TFDS dataset {dataset_name!r} has no text feature. Its "
            f"features: {sorted(info.features.keys())}"
        )
    pieces, length = [], 0
    for example in tfds.as_numpy(dataset):
        value = example[text_keys[0]]
        piece = value.decode("utf-8", errors="replace") if isinstance(
            value, bytes) else str(value)
        pieces.append(piece)
        length += len(piece)
        if length >= max_characters:
            break
    return "\n".join(pieces)


def _import_tfds():
    return import_optional("tensorflow_datasets",
                           "Loading 'tfds:...' datasets")


def _load_train_split(tfds, dataset_name, **kwargs):
    """`(dataset, info)` of the `train` split, or a `ValueError` that keeps
    the first line of TFDS's message (it lists every dataset it knows)."""
    try:
        return tfds.load(dataset_name, split="train", with_info=True,
                         **kwargs)
    except ImportError as error:
        # Modules TFDS's dataset builders import without declaring them.
        raise MissingDependencyError(
            f"Loading TFDS dataset {dataset_name!r} needs {error.name}, "
            f"which cannot be imported ({error}). Install it with: "
            f"{install_hint('data')}"
        ) from error
    except Exception as error:
        first_line = str(error).strip().splitlines()[0]
        if _is_network_error(error):
            raise ValueError(
                f"Cannot download TFDS dataset {dataset_name!r}: the network "
                f"is unreachable ({first_line}). Prepare it where the "
                "network is reachable and copy TFDS's data directory "
                "($TFDS_DATA_DIR, default ~/tensorflow_datasets) here, or "
                "pass a local file as the data."
            ) from error
        raise ValueError(
            f"Cannot load TFDS dataset {dataset_name!r} (split 'train'): "
            f"{first_line}"
        ) from error


def _is_network_error(error):
    """Whether `error`, or an exception it was raised from, is a failed
    connection (socket, urllib, requests or urllib3)."""
    while error is not None:
        if isinstance(error, (ConnectionError, TimeoutError, socket.gaierror,
                              urllib.error.URLError)):
            return True
        if type(error).__module__.split(".")[0] in ("requests", "urllib3"):
            return True
        error = error.__cause__ or error.__context__
    return False


# -- procedurally generated data ---------------------------------------------

TEXTURED_SHAPES = ("disk", "square", "triangle", "ring", "cross", "diamond")


def textured_shapes(num_examples, image_size=16, seed=0):
    """Grayscale images of six textured shapes on textured, noisy ground.

    Generated offline and harder than scikit-learn's digits: each image
    holds one shape (`TEXTURED_SHAPES[label]`) at a random position and
    size, filled with stripes of random frequency, orientation and phase,
    on a background of fainter stripes, plus Gaussian noise of random
    strength. A small MLP reaches well under 100% on it, so techniques have
    room to differ.

    Returns `(x, y)`: `x` float32 of shape `(n, size, size, 1)` in [0, 1],
    `y` int32 labels in `[0, 6)`, balanced up to rounding.
    """
    num_examples = _check_count("num_examples", num_examples)
    image_size = _check_count("image_size", image_size)
    if image_size < 8:
        raise ValueError(
            "Argument `image_size` must be at least 8 (smaller shapes are "
            f"not recognizable). Received: image_size={image_size}")
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:image_size, 0:image_size].astype("float32")
    labels = rng.permutation(np.arange(num_examples) % len(TEXTURED_SHAPES))
    images = np.empty((num_examples, image_size, image_size), "float32")
    for index, label in enumerate(labels):
        center = rng.uniform(0.3, 0.7, size=2) * image_size
        radius = rng.uniform(0.2, 0.36) * image_size
        dy, dx = rows - center[0], cols - center[1]
        mask = _shape_mask(TEXTURED_SHAPES[label], dx, dy, radius)
        foreground = rng.uniform(0.5, 1.0) * (0.5 + 0.5 * _stripes(
            rng, rows, cols, frequency=(0.15, 0.45)))
        background = rng.uniform(0.0, 0.3) * _stripes(
            rng, rows, cols, frequency=(0.05, 0.3))
        noise = rng.normal(0, rng.uniform(0.05, 0.2), rows.shape)
        images[index] = np.where(mask, foreground, background) + noise
    images = np.clip(images, 0.0, 1.0)[..., None]
    return images.astype("float32"), labels.astype("int32")


def _stripes(rng, rows, cols, frequency):
    angle = rng.uniform(0, np.pi)
    cycles = rng.uniform(*frequency)
    phase = rng.uniform(0, 2 * np.pi)
    along = cols * np.cos(angle) + rows * np.sin(angle)
    return 0.5 + 0.5 * np.sin(2 * np.pi * cycles * along + phase)


def _shape_mask(shape, dx, dy, radius):
    distance = np.hypot(dx, dy)
    if shape == "disk":
        return distance < radius
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) < 0.85 * radius
    if shape == "triangle":
        height = dy + 0.8 * radius  # 0 at the apex row, grows downwards
        return (height > 0) & (dy < 0.8 * radius) & (
            np.abs(dx) < 0.6 * height)
    if shape == "ring":
        return np.abs(distance - 0.8 * radius) < max(1.0, 0.2 * radius)
    if shape == "cross":
        arm = 0.3 * radius
        return ((np.abs(dx) < arm) | (np.abs(dy) < arm)) & (
            np.maximum(np.abs(dx), np.abs(dy)) < radius)
    return np.abs(dx) + np.abs(dy) < radius  # diamond


def noisy_labels(y, fraction, num_classes, seed=0):
    """A copy of integer labels `y` with `fraction` of them replaced by a
    different class drawn uniformly (symmetric label noise); returns
    `(noisy, flipped)` where `flipped` marks the changed rows."""
    y = np.asarray(y)
    if not 0.0 <= fraction < 1.0:
        raise ValueError(
            "Argument `fraction` must be in [0, 1). "
            f"Received: fraction={fraction!r}")
    num_classes = _check_count("num_classes", num_classes)
    if num_classes < 2:
        raise ValueError(
            "Argument `num_classes` must be at least 2 to flip labels. "
            f"Received: num_classes={num_classes}")
    rng = np.random.default_rng(seed)
    flipped = np.zeros(len(y), bool)
    flipped[rng.permutation(len(y))[:int(round(fraction * len(y)))]] = True
    offsets = rng.integers(1, num_classes, size=len(y))
    noisy = np.where(flipped, (y + offsets) % num_classes, y)
    return noisy.astype(y.dtype), flipped


def shift_intensity(x, contrast, brightness):
    """`contrast * x + brightness`: the same images, rescaled and offset
    (a camera's exposure and gain)."""
    if not np.isfinite(contrast) or contrast <= 0:
        raise ValueError(
            "Argument `contrast` must be a positive number. "
            f"Received: contrast={contrast!r}")
    if not np.isfinite(brightness):
        raise ValueError(
            "Argument `brightness` must be finite. "
            f"Received: brightness={brightness!r}")
    return (contrast * np.asarray(x) + brightness).astype("float32")


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError(
            f"Argument `{name}` must be a positive integer. "
            f"Received: {name}={value!r}")
    return int(value)
