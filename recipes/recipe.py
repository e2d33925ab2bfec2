"""`Recipe`: a KerasTuner `HyperModel` with presets, data and a summary."""

import contextlib
import inspect
import math
import os

import keras

from kerastricks.recipes import presets as preset_utils
from kerastricks.utils.optional_dependencies import import_optional

keras_tuner = import_optional("keras_tuner", "kerastricks.recipes")


class Recipe(keras_tuner.HyperModel):
    """A ready model for one problem, with its search space and presets.

    A recipe keeps the fixed problem (shapes, classes, ...) in its
    constructor; every tunable knob is declared in
    `declare_hyperparameters(hp)` with `default=` equal to the paper's
    recommendation, so `build(keras_tuner.HyperParameters())` gives the
    recommended model.

    Subclasses set the class attributes `name`, `presets`, `default_epochs`
    and `default_batch_size` (`None` means full batch) and implement:

    - `declare_hyperparameters(hp)`: declares every knob and returns a dict
      of the active values;
    - `build_model(values)`: builds and compiles the model from that dict;
    - `make_callbacks(values, train_data, validation_data)`: technique
      callbacks for `fit` (optional);
    - `default_data(seed)`, `load_file(path, seed)`, `load_tfds(name, seed)`
      and `check_data(splits)`: the datasets `load_data` dispatches to;
    - `summarize(history)`: the recipe's headline metrics.

    Use it in three ways:

    ```python
    recipe = recipes.get_recipe("grokking").from_preset("orthograd")
    model = recipe.build(recipe.hyperparameters)          # just train it
    data = recipe.load_data()
    history = recipe.fit(recipe.hyperparameters, model, *data["train"],
                         validation_data=data["validation"], epochs=5)
    recipe.summarize(history)
    tuner = keras_tuner.RandomSearch(recipe, "val_loss", max_trials=4,
                                     hyperparameters=recipe.hyperparameters,
                                     tune_new_entries=True)  # search around
    ```

    Args:
        distribution: optional `keras.distribution.Distribution` (JAX) or
            `tf.distribute.Strategy` (TensorFlow); the model is built and
            trained inside its `scope()`. Defaults to `None`.
        tunable: whether knobs not in `hyperparameters` join the search
            space (see `keras_tuner.HyperModel`). Defaults to `True`.
    """

    name = None
    presets = {}
    default_epochs = 10
    default_batch_size = 32
    # What a tuner maximizes or minimizes: (metric name, "max" | "min").
    objective = ("val_accuracy", "max")

    def __init__(self, distribution=None, tunable=True):
        super().__init__(name=type(self).name, tunable=tunable)
        self.distribution = distribution
        self.preset = None
        self._fixed_values = {}
        self.hyperparameters = keras_tuner.HyperParameters()

    # ----------------------------------------------------------- hooks
    def declare_hyperparameters(self, hp):
        raise NotImplementedError

    def build_model(self, values):
        raise NotImplementedError

    def make_callbacks(self, values, train_data, validation_data):
        """Technique callbacks for `fit`. `train_data` and
        `validation_data` are `(x, y)` arrays, or `None` when `fit` got a
        dataset (or no validation data)."""
        return []

    def default_data(self, seed):
        raise NotImplementedError

    def load_file(self, path, seed):
        raise ValueError(
            f"Recipe {self.name!r} cannot read data files. "
            f"Received: data={path!r}"
        )

    def load_tfds(self, dataset_name, seed):
        raise ValueError(
            f"Recipe {self.name!r} cannot load TFDS datasets. "
            f"Received: data='tfds:{dataset_name}'"
        )

    def check_data(self, splits):
        return splits

    def summarize(self, history):
        """Returns the recipe's headline metrics as a dict of floats."""
        logs = _history_dict(history)
        return {key: float(values[-1]) for key, values in logs.items()}

    # ------------------------------------------------------ the recipe
    def build(self, hp):
        values = self.declare_hyperparameters(hp)
        with self.scope():
            return self.build_model(values)

    def fit(self, hp, model, *args, **kwargs):
        values = self.declare_hyperparameters(hp)
        x = args[0] if args else kwargs.get("x")
        y = args[1] if len(args) > 1 else kwargs.get("y")
        # Technique callbacks go first: Keras hands every callback the same
        # `logs` dict, so what they measure reaches CSVLogger, the tuner and
        # History, which come later.
        validation_data = kwargs.get("validation_data")
        if not isinstance(validation_data, tuple):
            validation_data = None
        callbacks = self.make_callbacks(values, _training_arrays(x, y),
                                        validation_data)
        callbacks += list(kwargs.pop("callbacks", None) or [])
        kwargs.setdefault("epochs", self.default_epochs)
        if "batch_size" not in kwargs and _is_array(x):
            kwargs["batch_size"] = self.default_batch_size or len(x)
        with self.scope():
            return model.fit(*args, callbacks=callbacks, **kwargs)

    def scope(self):
        """The distribution scope models are built and trained in."""
        if self.distribution is None:
            return contextlib.nullcontext()
        return self.distribution.scope()

    def load_data(self, data=None, seed=0):
        """Returns `{"train": (x, y), "validation": (x, y)}`.

        Args:
            data: `None` for the recipe's offline default, `"tfds:NAME"` for
                a TensorFlow Datasets dataset, or a path to a local file.
                Defaults to `None`.
            seed: seed of the shuffles and splits. Defaults to `0`.
        """
        if data is None:
            splits = self.default_data(seed)
        elif isinstance(data, str) and data.startswith("tfds:"):
            dataset_name = data[len("tfds:"):]
            if not dataset_name:
                raise ValueError(
                    "Argument `data` must name a dataset after 'tfds:'. "
                    f"Received: data={data!r}"
                )
            splits = self.load_tfds(dataset_name, seed)
        elif isinstance(data, (str, os.PathLike)):
            if not os.path.isfile(data):
                raise ValueError(
                    "Argument `data` must be None (the offline default), "
                    "'tfds:NAME' or the path of an existing file. "
                    f"No such file: data={str(data)!r}"
                )
            splits = self.load_file(os.fspath(data), seed)
        else:
            raise TypeError(
                "Argument `data` must be None, 'tfds:NAME' or a file path. "
                f"Received: data={data!r}"
            )
        return self.check_data(splits)

    # ------------------------------------------------- hyperparameters
    def hyperparameter_space(self):
        """A `HyperParameters` holding every knob, with its default."""
        space = keras_tuner.HyperParameters()
        self.declare_hyperparameters(space)
        return space

    def default_values(self):
        """The active hyperparameter values this recipe builds with."""
        return self.declare_hyperparameters(self.hyperparameters.copy())

    def set_hyperparameters(self, **overrides):
        """Fixes hyperparameters to the given values (on top of a preset).

        Unknown names and values outside a `Choice` raise a `ValueError`
        listing what exists. Returns `self`.
        """
        space = {hp.name: hp for hp in self.hyperparameter_space().space}
        for hp_name, value in overrides.items():
            if hp_name not in space:
                raise ValueError(
                    f"Unknown hyperparameter {hp_name!r} for recipe "
                    f"{self.name!r}. Known hyperparameters: "
                    f"{sorted(space)}"
                )
            _check_value(space[hp_name], value)
        self._fixed_values.update(overrides)
        self.hyperparameters = keras_tuner.HyperParameters()
        for hp_name, value in self._fixed_values.items():
            self.hyperparameters.Fixed(hp_name, value)
        return self

    @classmethod
    def init_argument_names(cls):
        """Names the constructor takes (the fixed problem)."""
        parameters = inspect.signature(cls.__init__).parameters
        return [
            parameter_name
            for parameter_name, parameter in parameters.items()
            if parameter_name != "self"
            and parameter.kind
            not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
        ]

    @classmethod
    def from_preset(cls, preset, **kwargs):
        """Returns a recipe whose `.hyperparameters` fix the preset's values.

        Keyword arguments the constructor takes (see
        `init_argument_names()`) go to the constructor; the others override
        the preset's hyperparameters.
        """
        if preset not in cls.presets:
            raise ValueError(
                f"Unknown preset {preset!r} for recipe {cls.name!r}. "
                f"Available presets: {sorted(cls.presets)}"
            )
        init_names = cls.init_argument_names()
        init_kwargs = {k: v for k, v in kwargs.items() if k in init_names}
        overrides = {k: v for k, v in kwargs.items() if k not in init_names}
        recipe = cls(**init_kwargs)
        recipe.preset = preset
        recipe.set_hyperparameters(
            **{**cls.presets[preset]["hyperparameters"], **overrides}
        )
        return recipe

    def load_pretrained_weights(self, model):
        """Loads the weights shipped for `self.preset` into `model`."""
        with_weights = [
            preset
            for preset in sorted(self.presets)
            if preset_utils.has_weights(self.name, preset)
        ]
        if self.preset is None or self.preset not in with_weights:
            raise ValueError(
                f"Recipe {self.name!r} ships no pretrained weights for "
                f"preset={self.preset!r}. Presets with weights: "
                f"{with_weights}"
            )
        preset_utils.layers_only(model).load_weights(
            preset_utils.weights_path(self.name, self.preset))
        return model


def _check_value(hp, value):
    kind = type(hp).__name__
    if kind == "Fixed" and value != hp.value:
        raise ValueError(
            f"Hyperparameter {hp.name!r} is fixed to {hp.value!r} in this "
            f"recipe. Received: {hp.name}={value!r}"
        )
    if kind == "Choice" and value not in hp.values:
        raise ValueError(
            f"Hyperparameter {hp.name!r} must be one of {hp.values}. "
            f"Received: {hp.name}={value!r}"
        )
    if kind == "Boolean" and not isinstance(value, bool):
        raise TypeError(
            f"Hyperparameter {hp.name!r} must be a bool. "
            f"Received: {hp.name}={value!r}"
        )
    if kind in ("Int", "Float") and (
        isinstance(value, bool) or not isinstance(value, (int, float))
    ):
        raise TypeError(
            f"Hyperparameter {hp.name!r} must be a number. "
            f"Received: {hp.name}={value!r}"
        )
    if kind in ("Int", "Float") and not math.isfinite(value):
        raise ValueError(
            f"Hyperparameter {hp.name!r} must be a finite number. "
            f"Received: {hp.name}={value!r}"
        )
    if kind == "Int" and int(value) != value:
        raise TypeError(
            f"Hyperparameter {hp.name!r} must be an integer. "
            f"Received: {hp.name}={value!r}"
        )
    if kind in ("Int", "Float") and not (
            hp.min_value <= value <= hp.max_value):
        raise ValueError(
            f"Hyperparameter {hp.name!r} must be in [{hp.min_value}, "
            f"{hp.max_value}]. Received: {hp.name}={value!r}"
        )


def _is_array(x):
    return hasattr(x, "shape") and hasattr(x, "__len__")


def _training_arrays(x, y):
    """`(x, y)` as arrays: given directly, or held by a dataset that exposes
    them (`recipes.runner.EpochShuffledBatches`); otherwise `None`."""
    if x is None:
        return None
    if _is_array(keras.tree.flatten(x)[0]):
        return None if y is None else (x, y)
    arrays = getattr(x, "arrays", None)
    return arrays() if callable(arrays) else None


def _history_dict(history):
    if isinstance(history, keras.callbacks.History):
        return history.history
    if isinstance(history, dict):
        return history
    raise TypeError(
        "Argument `history` must be a keras.callbacks.History or a dict of "
        f"metric lists. Received: history={history!r}"
    )
