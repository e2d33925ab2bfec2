import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.layers.pruned_dense import PrunedDense
from kerastricks.ops.weight_pruning import WEIGHT_PRUNING_CRITERIA
from kerastricks.ops.weight_pruning import magnitude_pruning_mask
from kerastricks.ops.weight_pruning import per_class_false_negatives
from kerastricks.ops.weight_pruning import weight_pruning_scores
from kerastricks.utils import validation


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def _pruned_layers(model):
    layers = [
        layer for layer in _all_layers(model) if isinstance(layer, PrunedDense)
    ]
    if not layers:
        raise ValueError(
            "Argument `model` must contain at least one "
            "kerastricks.layers.PrunedDense layer (the layers whose kernels "
            f"are pruned). Received: model={model.name} without one"
        )
    return layers


def _false_negatives(model, x, y, num_classes, batch_size):
    scores = model.predict(x, batch_size=batch_size, verbose=0)
    counts = per_class_false_negatives(
        ops.convert_to_tensor(y), ops.convert_to_tensor(scores), num_classes
    )
    accuracy = float(np.mean(np.argmax(scores, axis=-1) == y.reshape(-1)))
    return ops.convert_to_numpy(counts), accuracy


def _excess(false_negatives, reference, tolerance):
    return np.maximum(false_negatives - reference - tolerance, 0.0)


def _train_and_select(
    model,
    x,
    y,
    validation_data,
    epochs,
    batch_size,
    class_weight,
    reference,
    tolerance,
    class_aware,
    num_classes,
):
    """Trains `epochs` epochs, keeping the weights of the best epoch: the
    least false-negative excess over `reference` (then the best accuracy)
    when `class_aware`, else the best validation accuracy."""
    x_val, y_val = validation_data
    best = None
    for _ in range(epochs):
        model.fit(
            x,
            y,
            epochs=1,
            batch_size=batch_size,
            verbose=0,
            class_weight=class_weight,
        )
        false_negatives, accuracy = _false_negatives(
            model, x_val, y_val, num_classes, batch_size
        )
        excess = float(np.sum(_excess(false_negatives, reference, tolerance)))
        key = (-excess, accuracy) if class_aware else (accuracy,)
        if best is None or key > best[0]:
            best = (key, model.get_weights(), false_negatives, accuracy)
    model.set_weights(best[1])
    return best[2], best[3]


@kerastricks_export("kerastricks.utils.class_aware_iterative_pruning")
def class_aware_iterative_pruning(
    model,
    x,
    y,
    validation_data,
    num_classes,
    rounds=3,
    rate=0.5,
    epochs=2,
    false_negative_tolerance=0.0,
    class_aware=True,
    criterion="magnitude",
    rewind=True,
    max_class_weight=10.0,
    batch_size=32,
    final_round="sparsest_within_bound",
):
    """Lottery-ticket pruning that keeps per-class false negatives low.

    Lottery-ticket pruning (train, prune the smallest weights, rewind the
    rest to their initial values, retrain) hurts some classes more than
    others. Class-dependent compression retrains each pruned network so
    that the false negatives of every class stay near those of the original
    network, accepting more false positives if needed. This utility runs the
    loop on the `PrunedDense` layers of a compiled model (every other weight
    is rewound but never pruned). After each round's retraining it counts
    each class's false negatives on `validation_data`; the classes above the
    dense model's count get a larger weight in the next round's loss, and
    the epoch kept is the one with the least false-negative excess. It
    leaves in `model` the sparsest round whose false negatives stay within
    `false_negative_tolerance` of the dense model's on every class (the
    dense model itself if none does), or the last round's. With
    `class_aware=False` it is plain lottery-ticket magnitude pruning
    (uniform loss, epoch kept by validation accuracy), the baseline of the
    paper.

    ```python
    theta_0 = weights(model); train(model)
    fn_ref = false_negatives(model, validation_data)    # per class
    for r in 1..rounds:
        sparsity = 1 - (1 - rate) ** r                  # per PrunedDense
        mask = keep the top (1 - sparsity) of score(w) among mask
        w = theta_0 * mask if rewind else w * mask
        class_weight[c] *= (fn_c + 1) / (fn_ref_c + 1)  # where fn_c > fn_ref_c
        train(model, class_weight), keep the epoch of least
            sum_c max(fn_c - fn_ref_c - tolerance, 0)
    ```

    Args:
        model: a compiled `keras.Model` with `PrunedDense` layers, at its
            initialization (the rewind point) and outputting one score per
            class (`(batch, num_classes)`).
        x: training inputs (a NumPy array).
        y: integer training labels (a NumPy array).
        validation_data: `(x_val, y_val)`, where false negatives are counted.
        num_classes: positive int, the number of classes.
        rounds: positive int, how many prune-retrain rounds. Defaults to `3`.
        rate: float in (0, 1), the fraction of the remaining kernel weights
            pruned each round (0.5 in the authors' code). Defaults to `0.5`.
        epochs: positive int, the (re)training epochs of each round.
            Defaults to `2`.
        false_negative_tolerance: float >= 0, how many false negatives
            above the dense model's a class may have for a round to count
            as keeping the bound. Defaults to `0.0`.
        class_aware: bool, `False` gives the plain lottery-ticket baseline.
            Defaults to `True`.
        criterion: `"magnitude"` (|w|) or `"magnitude_increase"`
            (|w| - |w_0|, the authors' code). Defaults to `"magnitude"`.
        rewind: bool, rewind the kept weights to their initial values
            (lottery ticket) rather than fine-tune them. Defaults to `True`.
        max_class_weight: float >= 1, the cap of a class's loss weight.
            Defaults to `10.0`.
        batch_size: positive int. Defaults to `32`.
        final_round: which round's network is left in `model`:
            `"sparsest_within_bound"` (the sparsest round whose false
            negatives stay within the tolerance on every class) or `"last"`
            (the last round, to compare methods at one sparsity).
            Defaults to `"sparsest_within_bound"`.

    Returns:
        A dict: `"sparsity"` (per round, round 0 the dense model),
        `"false_negatives"` (per round, per class), `"accuracy"`,
        `"class_weight"` (per round), `"bound_met"` (per round),
        `"masks"` (per round, one boolean array per `PrunedDense` kernel)
        and `"selected_round"` (the round left in `model`).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(64, 4)).astype("float32")
    >>> y = (x[:, 0] > 0).astype("int32")
    >>> model = keras.Sequential([
    ...     keras.Input((4,)), kerastricks.layers.PrunedDense(8, "relu"),
    ...     kerastricks.layers.PrunedDense(2)])
    >>> model.compile("adam", keras.losses.SparseCategoricalCrossentropy(
    ...     from_logits=True))
    >>> result = kerastricks.utils.class_aware_iterative_pruning(
    ...     model, x, y, (x, y), num_classes=2, rounds=2, epochs=1)
    >>> result["sparsity"]
    [0.0, 0.5, 0.75]

    References:
        - [Entezari & Saukh, 2020](https://arxiv.org/abs/1909.10364),
          "Class-dependent Compression of Deep Neural Networks",
          SenSys-ML 2020.
        - [Frankle & Carbin, 2019](https://arxiv.org/abs/1803.03635), "The
          Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural
          Networks", ICLR 2019.
    """
    validation.check_built_model("model", model)
    if not model.compiled or model.optimizer is None:
        raise ValueError(
            "Argument `model` must be compiled (with the optimizer and loss "
            f"of every round). Received: model={model.name}, not compiled"
        )
    layers = _pruned_layers(model)
    x_val, y_val = validation.check_examples("validation_data", validation_data)
    x, y = validation.check_examples("(x, y)", (x, y))
    num_classes = validation.check_positive_int("num_classes", num_classes)
    rounds = validation.check_positive_int("rounds", rounds)
    validation.check_in_range("rate", rate, 0.0, 1.0, False, False)
    epochs = validation.check_positive_int("epochs", epochs)
    validation.check_non_negative(
        "false_negative_tolerance", false_negative_tolerance
    )
    validation.check_bool("class_aware", class_aware)
    validation.check_one_of("criterion", criterion, WEIGHT_PRUNING_CRITERIA)
    validation.check_bool("rewind", rewind)
    validation.check_in_range("max_class_weight", max_class_weight, 1.0)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    validation.check_one_of(
        "final_round", final_round, ("sparsest_within_bound", "last")
    )
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(
            "Argument `y` must hold integer class labels. Received: y of "
            f"dtype {y.dtype}"
        )

    initial_weights = model.get_weights()
    initial_kernels = [ops.convert_to_numpy(layer.kernel) for layer in layers]
    # The optimizer state of a fresh start, restored at each rewind (no
    # recompilation, hence no retracing of the compiled train step).
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    fresh_optimizer_state = [
        ops.convert_to_numpy(v) for v in model.optimizer.variables
    ]
    no_reference = np.zeros((num_classes,))
    class_weight = dict.fromkeys(range(num_classes), 1.0)

    reference, accuracy = _train_and_select(
        model,
        x,
        y,
        (x_val, y_val),
        epochs,
        batch_size,
        dict(class_weight),
        no_reference,
        0.0,
        False,
        num_classes,
    )
    history = {
        "sparsity": [0.0],
        "false_negatives": [reference.tolist()],
        "accuracy": [accuracy],
        "class_weight": [dict(class_weight)],
        "bound_met": [True],
        "masks": [[np.ones(layer.kernel_mask.shape, bool) for layer in layers]],
        "selected_round": 0,
    }
    selected = (0, model.get_weights())
    false_negatives = reference
    for round_index in range(1, rounds + 1):
        sparsity = 1.0 - (1.0 - rate) ** round_index
        for layer, initial_kernel in zip(layers, initial_kernels):
            scores = weight_pruning_scores(
                layer.kernel, initial_kernel, criterion
            )
            layer.kernel_mask.assign(
                magnitude_pruning_mask(scores, layer.kernel_mask, sparsity)
            )
        masks = [ops.convert_to_numpy(layer.kernel_mask) for layer in layers]
        if rewind:
            model.set_weights(initial_weights)
        for layer, mask in zip(layers, masks):
            layer.kernel_mask.assign(mask)
            layer.kernel.assign(
                layer.kernel * ops.cast(mask, layer.kernel.dtype)
            )
        if class_aware:
            over = false_negatives > reference
            for c in np.flatnonzero(over):
                grown = class_weight[c] * float(
                    (false_negatives[c] + 1.0) / (reference[c] + 1.0)
                )
                class_weight[c] = min(grown, max_class_weight)
        for variable, value in zip(
            model.optimizer.variables, fresh_optimizer_state
        ):
            variable.assign(value)
        false_negatives, accuracy = _train_and_select(
            model,
            x,
            y,
            (x_val, y_val),
            epochs,
            batch_size,
            dict(class_weight),
            reference,
            false_negative_tolerance,
            class_aware,
            num_classes,
        )
        bound_met = not np.any(
            _excess(false_negatives, reference, false_negative_tolerance)
        )
        history["sparsity"].append(sparsity)
        history["false_negatives"].append(false_negatives.tolist())
        history["accuracy"].append(accuracy)
        history["class_weight"].append(dict(class_weight))
        history["bound_met"].append(bool(bound_met))
        history["masks"].append([mask > 0 for mask in masks])
        if bound_met or final_round == "last":
            selected = (round_index, model.get_weights())
    history["selected_round"] = selected[0]
    model.set_weights(selected[1])
    return history
