import math

import keras
import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation
from kerastricks.utils.lr_sensitivity import lr_sensitivity


def _check_learning_rates(learning_rates):
    if isinstance(learning_rates, (str, bytes)) or not hasattr(
            learning_rates, "__len__") or len(learning_rates) == 0:
        raise ValueError(
            "Argument `learning_rates` must be a non-empty sequence of "
            f"positive numbers. Received: learning_rates={learning_rates!r}"
        )
    for rate in learning_rates:
        validation.check_number("learning_rates", rate)
        if rate <= 0:
            raise ValueError(
                "Argument `learning_rates` must hold positive numbers. "
                f"Received: learning_rates={learning_rates!r}"
            )
    return [float(rate) for rate in learning_rates]


def _check_variants(variants):
    if variants is None:
        return {"model": {}}
    if not isinstance(variants, dict) or not variants or not all(
            isinstance(name, str) and isinstance(kwargs, dict)
            for name, kwargs in variants.items()):
        raise TypeError(
            "Argument `variants` must be a non-empty dict of variant name "
            "(str) -> dict of build_model keyword arguments, or None. "
            f"Received: variants={variants!r}"
        )
    return variants


def _build(build_model, learning_rate, kwargs, seed):
    # The same seed for every run: the runs differ only in the rate.
    keras.utils.set_random_seed(seed)
    model = build_model(learning_rate, **kwargs)
    if not isinstance(model, keras.Model) or not model.compiled:
        raise TypeError(
            "Argument `build_model` must return a compiled keras.Model. "
            f"Received: {model!r} from build_model({learning_rate!r}, "
            f"**{kwargs!r})"
        )
    return model


def _measure_initial_loss(model, data, metric, batch_size):
    name = metric[len("val_"):] if metric.startswith("val_") else metric
    x, y = data if isinstance(data, tuple) else (data, None)
    scores = model.evaluate(x, y, batch_size=batch_size, verbose=0,
                            return_dict=True)
    if name not in scores:
        raise ValueError(
            f"Argument `metric`={metric!r} is not measured by the model: "
            f"model.evaluate reports {sorted(scores)}"
        )
    return float(scores[name])


@kerastricks_export("kerastricks.utils.lr_sensitivity_sweep")
def lr_sensitivity_sweep(build_model, learning_rates, train_data,
                         validation_data=None, variants=None, epochs=1,
                         batch_size=32, metric=None, initial_loss=None,
                         seed=0, verbose=0):
    """Trains one model per learning rate and reports its LR sensitivity.

    "Small-scale proxies for large-scale Transformer training
    instabilities" studies training stability through the curve of final
    loss against learning rate, over orders of magnitude of the rate: an
    unstable recipe has a narrow valley, and its instabilities show up in
    small models at high rates. For each variant (e.g. with and without
    qk-layernorm) this builds a fresh model per learning rate with the
    same seed, trains it, records the final value of `metric` (`nan` when
    it diverged) and summarizes the curve with
    `kerastricks.utils.lr_sensitivity`. `kerastricks.utils.
    plot_lr_sensitivity` draws the result.

    ```python
    for variant, kwargs in variants.items():
        for eta in learning_rates:
            set_random_seed(seed)
            model = build_model(eta, **kwargs)   # compiled
            model.fit(train_data, validation_data, epochs, batch_size)
            final_loss[variant].append(last value of metric, nan if
                                       diverged)
        sensitivity[variant] = lr_sensitivity(final_loss[variant], l0)
    ```

    Args:
        build_model: callable `(learning_rate, **variant_kwargs)` returning
            a compiled `keras.Model` whose optimizer uses that (peak)
            learning rate (and any schedule the builder chooses).
        learning_rates: non-empty sequence of positive numbers, the grid
            (the paper uses a log grid from 3e-4 to 3e-1).
        train_data: tuple `(x, y)` of arrays, or a dataset `fit` accepts.
        validation_data: what `fit` accepts as `validation_data`, or
            `None`. Defaults to `None`.
        variants: dict of variant name -> dict of keyword arguments for
            `build_model`, or `None` for one variant named `"model"`.
            Defaults to `None`.
        epochs: positive int, epochs per run. Defaults to `1`.
        batch_size: positive int, for `(x, y)` arrays. Defaults to `32`.
        metric: str or `None`, the key of `fit`'s history whose last value
            is a run's final loss. Defaults to `None` (`"val_loss"` with
            validation data, else `"loss"`).
        initial_loss: finite number or `None`, `l0`, the loss at
            initialization. Defaults to `None`: `metric` measured with
            `model.evaluate` on the validation (else training) data by the
            first variant's first model before it trains.
        seed: int, the seed of every run's initialization and shuffling.
            Defaults to `0`.
        verbose: int, `fit` verbosity. Defaults to `0`.

    Returns:
        A JSON-ready dict: `learning_rates` (floats), `final_loss`
        (variant -> list of floats, `nan` for a diverged run),
        `lr_sensitivity` (variant -> float), `initial_loss` (float) and
        `metric` (str).

    Example:

    >>> x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    >>> y = x.sum(axis=1, keepdims=True)
    >>> def build_model(learning_rate):
    ...     model = keras.Sequential([keras.Input((3,)),
    ...                               keras.layers.Dense(1)])
    ...     model.compile(keras.optimizers.SGD(learning_rate), "mse")
    ...     return model
    >>> results = kerastricks.utils.lr_sensitivity_sweep(
    ...     build_model, [1e-2, 1e-1], (x, y), epochs=2, batch_size=8)
    >>> len(results["final_loss"]["model"])
    2

    References:
        - [Wortsman et al., 2023](https://arxiv.org/abs/2309.14322),
          "Small-scale proxies for large-scale Transformer training
          instabilities", ICLR 2024, Section 2.2 and Figure 1.
    """
    if not callable(build_model):
        raise TypeError(
            "Argument `build_model` must be a callable (learning_rate, "
            f"**variant_kwargs) -> compiled keras.Model. Received: "
            f"build_model={build_model!r}"
        )
    learning_rates = _check_learning_rates(learning_rates)
    if train_data is None or isinstance(train_data, (str, bytes, int,
                                                     float)):
        raise TypeError(
            "Argument `train_data` must be a tuple (x, y) of arrays or a "
            f"dataset. Received: train_data={train_data!r}"
        )
    if isinstance(train_data, (tuple, list)):
        train_data = validation.check_examples("train_data", train_data)
    if isinstance(validation_data, list):
        validation_data = tuple(validation_data)
    variants = _check_variants(variants)
    validation.check_positive_int("epochs", epochs)
    validation.check_positive_int("batch_size", batch_size)
    if metric is None:
        metric = "loss" if validation_data is None else "val_loss"
    if not isinstance(metric, str) or not metric:
        raise TypeError(
            "Argument `metric` must be a non-empty str (a key of fit's "
            f"history) or None. Received: metric={metric!r}"
        )
    if initial_loss is not None:
        validation.check_number("initial_loss", initial_loss)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"Argument `seed` must be an int. Received: "
                        f"seed={seed!r}")
    if isinstance(verbose, bool) or not isinstance(verbose, int):
        raise TypeError(f"Argument `verbose` must be an int. Received: "
                        f"verbose={verbose!r}")

    x, y = (train_data if isinstance(train_data, tuple)
            else (train_data, None))
    results = {"learning_rates": learning_rates, "final_loss": {},
               "lr_sensitivity": {}, "initial_loss": initial_loss,
               "metric": metric}
    for variant, kwargs in variants.items():
        losses = []
        for learning_rate in learning_rates:
            model = _build(build_model, learning_rate, kwargs, seed)
            if results["initial_loss"] is None:
                results["initial_loss"] = _measure_initial_loss(
                    model, train_data if validation_data is None
                    else validation_data, metric,
                    batch_size)
            history = model.fit(
                x, y, epochs=epochs, batch_size=batch_size,
                validation_data=validation_data, verbose=verbose,
                # A diverged run stops at once: its loss is nan anyway.
                callbacks=[keras.callbacks.TerminateOnNaN()],
            )
            if metric not in history.history:
                raise ValueError(
                    f"Argument `metric`={metric!r} is not in fit's history. "
                    f"Available: {sorted(history.history)}"
                )
            final = float(history.history[metric][-1])
            losses.append(final if np.isfinite(final) else math.nan)
        results["final_loss"][variant] = losses
        results["lr_sensitivity"][variant] = lr_sensitivity(
            losses, results["initial_loss"])
    return results
