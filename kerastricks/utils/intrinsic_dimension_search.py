import math

import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation
from kerastricks.utils.optional_dependencies import import_optional


def _fresh_model(build_model, seed):
    # The same seed before every build: the full model and every subspace
    # model start from one θ₀, as in the authors' runs.
    keras.utils.set_random_seed(seed)
    model = build_model()
    return validation.check_built_model("build_model()", model)


def _train_and_evaluate(model, train, validation_data, optimizer, loss,
                        epochs, batch_size):
    optimizer = optimizer() if callable(optimizer) else optimizer
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    model.fit(*train, epochs=epochs, batch_size=batch_size, verbose=0)
    scores = model.evaluate(*validation_data, batch_size=batch_size,
                            verbose=0, return_dict=True)
    return float(scores["accuracy"])


def _plot(path, result):
    pyplot = import_optional("matplotlib.pyplot",
                             "intrinsic_dimension_search")
    figure = pyplot.figure(figsize=(5, 3.5))
    axes = figure.add_subplot()
    axes.plot(result["dimensions"], result["accuracy"], marker="o",
              label=f"subspace ({result['projection']})")
    axes.axhline(result["full_accuracy"], color="black",
                 label=f"full model (D={result['num_parameters']})")
    axes.axhline(result["target_accuracy"], color="black", linestyle="--",
                 label=f"{result['threshold']:.0%} of full")
    if result["intrinsic_dimension"] is not None:
        axes.axvline(result["intrinsic_dimension"], color="tab:red",
                     linestyle=":",
                     label=f"d_int = {result['intrinsic_dimension']}")
    axes.set_xscale("log")
    axes.set_xlabel("subspace dimension d")
    axes.set_ylabel("validation accuracy")
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    figure.savefig(str(path), format="png")
    pyplot.close(figure)


@kerastricks_export("kerastricks.utils.intrinsic_dimension_search")
def intrinsic_dimension_search(build_model, train_data, validation_data,
                               dimensions, projection="fastfood",
                               threshold=0.9, epochs=5, batch_size=32,
                               optimizer="adam", loss=None, seed=0,
                               path=None):
    """Measures the intrinsic dimension of a task for a model.

    Trains the full model once and a `kerastricks.models.
    RandomSubspaceModel` of it for every subspace dimension d of
    `dimensions`, all from the same initial weights θ₀, and reports the
    validation accuracy of each. The intrinsic dimension is the smallest d
    whose accuracy reaches `threshold` times the full model's: with the
    default 0.9 it is the paper's d_int90. Each d draws its projection
    from a seed of its own (`seed + d`), as every run of the authors
    draws a fresh P.

    ```python
    full = accuracy(train(build_model()))
    for d in sorted(dimensions):
        accuracy[d] = accuracy(train(RandomSubspaceModel(build_model(), d)))
    d_int = min(d for d in dimensions if accuracy[d] >= threshold * full)
    ```

    Args:
        build_model: callable returning a fresh, built, uncompiled
            `keras.Model` that outputs class logits (or probabilities,
            with a matching `loss`).
        train_data: tuple `(x, y)` of arrays, the training set.
        validation_data: tuple `(x, y)` of arrays, the set the accuracies
            are measured on.
        dimensions: non-empty list of ints, the subspace dimensions tried
            (each at most the model's number of trainable weights).
        projection: `"dense"`, `"sparse"` or `"fastfood"`. Defaults to
            `"fastfood"`.
        threshold: float in (0, 1], the fraction of the full model's
            accuracy that counts as solved. Defaults to `0.9`.
        epochs: positive int, epochs of every training run. Defaults to `5`.
        batch_size: positive int. Defaults to `32`.
        optimizer: an optimizer name, or a callable returning a fresh
            optimizer for each run. Defaults to `"adam"`.
        loss: a Keras loss. Defaults to `None`: sparse categorical
            cross-entropy from logits.
        seed: int, seeds θ₀ (through `keras.utils.set_random_seed`) and
            the projections. Defaults to `0`.
        path: str or None, where to write a PNG of accuracy against d
            (needs matplotlib). Defaults to `None` (no plot).

    Returns:
        A dict: `"dimensions"` (sorted) and `"accuracy"` (one per
        dimension), `"full_accuracy"`, `"threshold"`, `"target_accuracy"`
        (`threshold * full_accuracy`), `"intrinsic_dimension"` (the
        smallest d reaching the target, or None), `"num_parameters"` (D)
        and `"projection"`.

    Example:

    >>> def build():
    ...     return keras.Sequential([keras.Input((4,)),
    ...                              keras.layers.Dense(8),
    ...                              keras.layers.Dense(2)])
    >>> x = np.random.rand(16, 4).astype("float32")
    >>> y = (x[:, 0] > 0.5).astype("int32")
    >>> result = kerastricks.utils.intrinsic_dimension_search(
    ...     build, (x, y), (x, y), dimensions=[2, 8], epochs=1)
    >>> result["dimensions"], result["num_parameters"]
    ([2, 8], 58)

    References:
        - [Li et al., 2018](https://arxiv.org/abs/1804.08838), "Measuring
          the Intrinsic Dimension of Objective Landscapes".
    """
    # Imported here: kerastricks.models imports kerastricks.utils.
    from kerastricks.models import random_subspace_model

    if not callable(build_model):
        raise TypeError(
            "Argument `build_model` must be a callable returning a fresh "
            f"keras.Model. Received: build_model of type "
            f"{type(build_model).__name__}")
    train_data = validation.check_examples("train_data", train_data)
    validation_data = validation.check_examples("validation_data",
                                                validation_data)
    dimensions = sorted(set(validation.check_positive_int_sequence(
        "dimensions", dimensions)))
    validation.check_one_of("projection", projection,
                            random_subspace_model.PROJECTIONS)
    validation.check_in_range("threshold", threshold, 0.0, 1.0,
                              low_inclusive=False)
    epochs = validation.check_positive_int("epochs", epochs)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(
            f"Argument `seed` must be an int >= 0. Received: seed={seed!r}")
    loss = loss or keras.losses.SparseCategoricalCrossentropy(
        from_logits=True)

    full_model = _fresh_model(build_model, seed)
    num_parameters = sum(
        math.prod(variable.shape)
        for variable in full_model.trainable_variables)
    too_large = [d for d in dimensions if d > num_parameters]
    if too_large:
        raise ValueError(
            "Argument `dimensions` must hold ints at most D = "
            f"{num_parameters}, the model's trainable weights. Received: "
            f"dimensions={dimensions}")
    full_accuracy = _train_and_evaluate(
        full_model, train_data, validation_data, optimizer, loss, epochs,
        batch_size)
    accuracy = []
    for dimension in dimensions:
        subspace_model = random_subspace_model.RandomSubspaceModel(
            _fresh_model(build_model, seed), dimension=dimension,
            projection=projection,
            seed=(seed + dimension) % 2**32)
        accuracy.append(_train_and_evaluate(
            subspace_model, train_data, validation_data, optimizer, loss,
            epochs, batch_size))
    target = threshold * full_accuracy
    reached = [d for d, a in zip(dimensions, accuracy) if a >= target]
    result = {
        "dimensions": dimensions,
        "accuracy": accuracy,
        "full_accuracy": full_accuracy,
        "threshold": float(threshold),
        "target_accuracy": float(target),
        "intrinsic_dimension": reached[0] if reached else None,
        "num_parameters": int(num_parameters),
        "projection": projection,
    }
    if path is not None:
        _plot(path, result)
    return result
