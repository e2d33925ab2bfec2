"""Constructor fuzz over every export, and the call-time check functions.

For each exported constructor the signature is introspected: every argument
whose default is a number gets NaN, +-inf, a bool, None and a string (and
counts a fraction), every bool argument gets None, 1 and a string, and each
must raise a `ValueError` or `TypeError` whose message names the argument.
Tuples of numbers (pyramid bins, scoring epochs) get None, a string, a
bare number, an empty tuple and tuples holding NaN, a bool or -1. A new
export gets the fuzz without a new line here, unless it needs a
required argument this file cannot build (then the test says so).
"""

import inspect

import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from kerastricks.utils import validation

NAN, INF = float("nan"), float("inf")


def _tiny_model():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])


def _examples():
    rng = np.random.default_rng(0)
    # 48 examples: OpposingSignalsMonitor's default top_k needs 40.
    return (rng.normal(size=(48, 4)).astype("float32"),
            np.arange(48) % 3)


# Builders of the required (default-less) arguments, by argument name.
REQUIRED = {
    "model": _tiny_model,
    "layer": lambda: keras.layers.Dense(2),
    "optimizer": lambda: keras.optimizers.SGD(0.1),
    "data": _examples,
    "probe_data": _examples,
    "num_heads": lambda: 2,
    "key_dim": lambda: 4,
    "x": lambda: np.ones((2, 3), "float32"),
}

# Values a numeric argument may take besides finite numbers, each with the
# reason (and documented in the docstring).
ALLOWED = {
    ("AdamP", "weight_decay"): [None],  # Keras: None turns decay off
    ("SGDP", "weight_decay"): [None],
}

# Arguments that are not numbers although their default is.
NOT_FUZZED = {"name", "dtype", "reduction"}


def _is_number_tuple(default):
    return (isinstance(default, tuple) and bool(default)
            and all(isinstance(item, (int, float)) for item in default))


def _bad_values(default):
    if _is_number_tuple(default):
        return [None, "abc", 3, (), (NAN,), (True,), (-1,)]
    if isinstance(default, bool):
        return [None, 1, "yes"]
    values = [NAN, INF, -INF, True, None, "abc"]
    if isinstance(default, int) and default >= 1:
        values.append(2.5)  # a count
    return values


def _exports(kind):
    module = getattr(kerastricks, kind)
    return [(name, getattr(module, name)) for name in module.__all__]


def _signature(export):
    target = export.__init__ if inspect.isclass(export) else export
    return inspect.signature(target)


def _fuzz(kind):
    """Every silently accepted bad value of every export of `kind`."""
    accepted = []
    for export_name, export in _exports(kind):
        parameters = [
            parameter for parameter in _signature(export).parameters.values()
            if parameter.name != "self" and parameter.kind not in (
                parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
        ]
        missing = [p.name for p in parameters
                   if p.default is inspect.Parameter.empty
                   and p.name not in REQUIRED]
        if missing:
            accepted.append(f"{export_name}: no builder for {missing}")
            continue
        for parameter in parameters:
            default = parameter.default
            if parameter.name in NOT_FUZZED or not (
                    isinstance(default, (bool, int, float))
                    or _is_number_tuple(default)):
                if parameter.default is not inspect.Parameter.empty:
                    continue
                if parameter.name not in ("axis",):
                    continue
            for value in _bad_values(default):
                if any(value is allowed or value == allowed
                       for allowed in ALLOWED.get(
                           (export_name, parameter.name), [])):
                    continue
                arguments = {
                    p.name: REQUIRED[p.name]() for p in parameters
                    if p.default is inspect.Parameter.empty
                }
                arguments[parameter.name] = value
                try:
                    export(**arguments)
                except (ValueError, TypeError) as error:
                    if parameter.name not in str(error):
                        accepted.append(
                            f"{export_name}({parameter.name}={value!r}): "
                            f"error does not name it: {error}")
                else:
                    accepted.append(
                        f"{export_name}({parameter.name}={value!r}) accepted")
    return accepted


class ConstructorFuzzTest(testing.TestCase):
    @parameterized.parameters("layers", "optimizers", "losses", "callbacks",
                              "models")
    def test_every_numeric_argument_rejects_bad_values(self, kind):
        accepted = _fuzz(kind)
        self.assertEqual(accepted, [], "\n".join(accepted))

    def test_stablemax_axis(self):
        x = np.ones((2, 3), "float32")
        for value in ("abc", None, True, 1.5, NAN):
            with self.assertRaisesRegex(TypeError, "axis="):
                kerastricks.activations.stablemax(x, axis=value)


class ValidationFunctionsTest(testing.TestCase):
    def test_check_number_rejects_non_finite(self):
        for value in (NAN, INF, -INF):
            with self.assertRaisesRegex(ValueError, "`rate`"):
                validation.check_number("rate", value)
        self.assertEqual(validation.check_number("rate", INF,
                                                 allow_infinite=True), INF)
        with self.assertRaisesRegex(TypeError, "rate=True"):
            validation.check_number("rate", True)

    def test_check_learning_rate(self):
        for value in (NAN, INF, -INF, -0.1):
            with self.assertRaisesRegex(ValueError, "learning_rate="):
                validation.check_learning_rate("learning_rate", value)
        for value in (None, True, "fast"):
            with self.assertRaisesRegex(TypeError, "learning_rate="):
                validation.check_learning_rate("learning_rate", value)
        schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
        self.assertIs(validation.check_learning_rate("learning_rate",
                                                     schedule), schedule)
        self.assertEqual(validation.check_learning_rate("learning_rate", 0.0),
                         0.0)

    def test_check_positive_int_sequence(self):
        self.assertEqual(validation.check_positive_int_sequence("bins",
                                                                [1, 2]),
                         (1, 2))
        for value, error in ((None, TypeError), (3, TypeError),
                             ((), ValueError), ((1, 0), ValueError),
                             ((1, True), TypeError)):
            with self.assertRaisesRegex(error, "bins"):
                validation.check_positive_int_sequence("bins", value)

    def test_loss_input_checks_are_static(self):
        # Symbolic tensors: the checks need shapes and dtypes only.
        logits = keras.KerasTensor((None, 5), dtype="float32")
        ids = keras.KerasTensor((None,), dtype="int32")
        validation.check_loss_inputs("Loss", ids, logits, labels="sparse")
        with self.assertRaisesRegex(TypeError, "integer class ids"):
            validation.check_loss_inputs(
                "Loss", keras.KerasTensor((None,), dtype="float32"), logits,
                labels="sparse")
        with self.assertRaisesRegex(ValueError, r"\(None, 4\)"):
            validation.check_loss_inputs(
                "Loss", keras.KerasTensor((None, 4), dtype="float32"),
                logits, labels="dense")
        with self.assertRaisesRegex(ValueError, "labels='onehot'"):
            validation.check_loss_inputs("Loss", ids, logits,
                                         labels="onehot")
