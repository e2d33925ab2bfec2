import numbers

import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.fisher_merge import fisher_weighted_average
from kerastricks.utils import validation
from kerastricks.utils.diagonal_fisher import diagonal_fisher


def _check_architectures(models):
    first = models[0]
    for index, model in enumerate(models[1:], start=1):
        for kind in ("trainable_variables", "non_trainable_variables"):
            reference, other = getattr(first, kind), getattr(model, kind)
            if len(reference) != len(other):
                raise ValueError(
                    "Argument `models` must share one architecture. "
                    f"Received: model {index} has {len(other)} {kind} where "
                    f"model 0 has {len(reference)}"
                )
            for ours, theirs in zip(reference, other):
                if tuple(ours.shape) != tuple(theirs.shape):
                    raise ValueError(
                        "Argument `models` must share one architecture. "
                        f"Received: model {index} has {theirs.path!r} of "
                        f"shape {tuple(theirs.shape)} where model 0 has "
                        f"{ours.path!r} of shape {tuple(ours.shape)}"
                    )


def _check_weights(weights, count):
    if weights is None:
        return [1.0 / count] * count
    if not isinstance(weights, (list, tuple, np.ndarray)) or not all(
            isinstance(w, numbers.Real) and not isinstance(w, bool)
            for w in weights):
        raise TypeError(
            "Argument `weights` must be a list of non-negative numbers, one "
            f"per model, or None. Received: weights={weights!r}"
        )
    weights = [validation.check_non_negative("weights", float(w))
               for w in weights]
    if len(weights) != count or sum(weights) <= 0:
        raise ValueError(
            "Argument `weights` must hold one non-negative number per model, "
            f"not all zero. Received: weights={weights} for {count} models"
        )
    return [w / sum(weights) for w in weights]


def _fisher_of(index, model, entry, fisher_kwargs):
    """A list entry is a Fisher; an array or a tuple `(x, y)` is data."""
    variables = model.trainable_variables
    if isinstance(entry, list):
        if len(entry) != len(variables):
            raise ValueError(
                "A Fisher in `datasets_or_fishers` must hold one array per "
                f"trainable variable. Received: {len(entry)} arrays for "
                f"model {index}, which has {len(variables)} (pass data as "
                "an array x or a tuple (x, y), not a list)"
            )
        fisher = [np.asarray(f, "float32") for f in entry]
        for f, variable in zip(fisher, variables):
            if f.shape != tuple(variable.shape):
                raise ValueError(
                    "A Fisher in `datasets_or_fishers` must match the "
                    f"variable shapes. Received: shape {f.shape} for "
                    f"{variable.path!r} of shape {tuple(variable.shape)} "
                    f"(model {index})"
                )
            if not np.all(np.isfinite(f)) or np.any(f < 0):
                raise ValueError(
                    "A Fisher in `datasets_or_fishers` must be finite and "
                    f"non-negative. Received: min {f.min()} for "
                    f"{variable.path!r} (model {index})"
                )
        return fisher
    if not isinstance(entry, tuple):
        return diagonal_fisher(model, entry, **fisher_kwargs)
    if len(entry) not in (1, 2):
        raise ValueError(
            "Data in `datasets_or_fishers` must be an array x or a tuple "
            f"(x,) or (x, y). Received: a tuple of length {len(entry)} for "
            f"model {index}"
        )
    return diagonal_fisher(model, *entry, **fisher_kwargs)


@kerastricks_export("kerastricks.utils.fisher_merge")
def fisher_merge(models, datasets_or_fishers=None, weights=None,
                 fisher_floor=1e-6, favor_first_model=True,
                 normalize_fishers=True, fisher_kwargs=None):
    """Merges models of one architecture by a Fisher-weighted average.

    "Merging Models with Fisher-Weighted Averaging" reads merging as finding
    the weights most probable under every model's posterior. A plain
    average assumes isotropic Gaussian posteriors; approximating each
    posterior by a Gaussian whose precision is the model's diagonal Fisher
    information (a Laplace approximation) gives the closed-form, per-weight
    average below, which keeps each weight close to the models that rely
    on it. It helps where parameter averaging is used today (ensembles,
    robust fine-tuning) and can combine models fine-tuned from one
    pre-trained model on different tasks. Without Fishers it is the plain
    (isotropic) weighted average.

    ```python
    F_i = diagonal_fisher(model_i, x_i)      # or given
    w_i = w_i / |F_i|_2                      # if normalize_fishers
    F_0 = max(F_0, fisher_floor)            # every F_i if not favor_first
    theta = sum_i w_i * F_i * theta_i / sum_i w_i * F_i    # per weight
    ```

    All trainable variables are merged. Non-trainable floating variables
    (BatchNorm moving statistics), which have no Fisher, get the plain
    `weights`-weighted average; other non-trainable variables (counters,
    seed states) are copied from the first model. To keep task heads
    separate, merge the shared bodies: pass the body sub-models and Fishers
    computed through the full models with
    `diagonal_fisher(full_model, x, variables=body.trainable_variables)`.

    Args:
        models: list of built `keras.Model`s with the same architecture
            (usually fine-tuned from one initialization). None is modified.
        datasets_or_fishers: `None` (isotropic merge), or one entry per
            model: its diagonal Fisher as a list of arrays (one per
            trainable variable, as `kerastricks.utils.diagonal_fisher`
            returns) or data to compute it from, an input array `x` or a
            tuple `(x, y)`. Defaults to `None`.
        weights: list of non-negative floats, the models' merging
            coefficients (λ_i), normalized to sum to 1; `None` is uniform.
            Defaults to `None`.
        fisher_floor: non-negative float, the minimum Fisher value.
            Defaults to `1e-6`, the authors' value.
        favor_first_model: bool, floor only the first model's Fisher, so
            weights no model informs keep the first model's value (the
            authors' default); otherwise floor every Fisher. Defaults to
            `True`.
        normalize_fishers: bool, scale each model's Fisher to unit L2 norm
            over all its variables (that is, divide λ_i by |F_i|), so that
            models whose Fishers differ in overall scale count as `weights`
            says. The authors' merge script default. Defaults to `True`.
        fisher_kwargs: dict of keyword arguments for `diagonal_fisher` when
            data is given (`labels`, `num_examples`, `batch_size`,
            `from_logits`, `seed`). Defaults to `None`.

    Returns:
        A new model: a clone of `models[0]` holding the merged weights.

    Example:

    >>> def make():
    ...     return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> a, b = make(), make()
    >>> x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    >>> merged = kerastricks.utils.fisher_merge([a, b], [x, x])
    >>> merged.get_weights()[0].shape
    (3, 2)

    References:
        - [Matena & Raffel, 2022](https://arxiv.org/abs/2111.09832), "Merging
          Models with Fisher-Weighted Averaging", NeurIPS 2022.
    """
    if not isinstance(models, (list, tuple)) or not models:
        raise ValueError(
            "Argument `models` must be a non-empty list of keras.Model. "
            f"Received: models of type {type(models).__name__}"
        )
    models = list(models)
    for index, model in enumerate(models):
        validation.check_built_model(f"models[{index}]", model)
    _check_architectures(models)
    count = len(models)
    weights = _check_weights(weights, count)
    precision_weights = weights
    validation.check_non_negative("fisher_floor", fisher_floor)
    validation.check_bool("favor_first_model", favor_first_model)
    validation.check_bool("normalize_fishers", normalize_fishers)
    if fisher_kwargs is not None and not isinstance(fisher_kwargs, dict):
        raise TypeError(
            "Argument `fisher_kwargs` must be a dict of keyword arguments of "
            "`kerastricks.utils.diagonal_fisher`, or None. Received: "
            f"fisher_kwargs={fisher_kwargs!r} of type "
            f"{type(fisher_kwargs).__name__}"
        )
    fisher_kwargs = dict(fisher_kwargs or {})
    if datasets_or_fishers is None:
        fishers = None
    else:
        if (not isinstance(datasets_or_fishers, (list, tuple))
                or len(datasets_or_fishers) != count):
            received = (f"{len(datasets_or_fishers)} entries"
                        if isinstance(datasets_or_fishers, (list, tuple))
                        else type(datasets_or_fishers).__name__)
            raise ValueError(
                "Argument `datasets_or_fishers` must be a list with one "
                f"entry per model ({count}). Received: {received}"
            )
        fishers = [_fisher_of(i, m, entry, fisher_kwargs)
                   for i, (m, entry) in enumerate(zip(models,
                                                      datasets_or_fishers))]
        if normalize_fishers:
            norms = [np.sqrt(sum(np.sum(np.square(f, dtype="float64"))
                                 for f in fisher)) for fisher in fishers]
            if min(norms) == 0:
                raise ValueError(
                    "Argument `normalize_fishers=True` needs non-zero "
                    f"Fishers. Received: Fisher norms {norms}"
                )
            precision_weights = [w / n for w, n in zip(weights, norms)]

    merged = keras.models.clone_model(models[0])
    merged.set_weights(models[0].get_weights())
    for j, variable in enumerate(merged.trainable_variables):
        variable.assign(ops.cast(fisher_weighted_average(
            [m.trainable_variables[j] for m in models],
            None if fishers is None else [f[j] for f in fishers],
            precision_weights, fisher_floor, favor_first_model,
        ), variable.dtype))
    for j, variable in enumerate(merged.non_trainable_variables):
        if "float" in keras.backend.standardize_dtype(variable.dtype):
            variable.assign(ops.cast(fisher_weighted_average(
                [m.non_trainable_variables[j] for m in models], None,
                weights,
            ), variable.dtype))
    return merged
