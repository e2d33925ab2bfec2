"""The shared test harness: one-line checks every technique must pass.

Modelled on Keras's private `keras.src.testing.TestCase`, rewritten on public
Keras APIs so that recipes and downstream users can use it too.
"""

import contextlib
import inspect
import json
import os
import shutil
import tempfile

import keras
import numpy as np
from absl.testing import parameterized

from kerastricks import backend
from kerastricks.testing import problems

# One table of tolerances, by dtype.
TOLERANCES = {
    "float32": (1e-6, 1e-6),
    "float16": (1e-2, 1e-2),
    "bfloat16": (1e-2, 1e-2),
    "float64": (1e-12, 1e-12),
}
# Multi-step optimizer comparisons and resumption (float32 against a float64
# reference over 5+ steps).
MULTI_STEP_TOLERANCE = 1e-6
# The `jit_compile` of per-component fits: XLA on JAX and TensorFlow (a
# second or two a model). torch.compile takes 15-40 s a model on a CPU, so
# per-component torch fits run as Keras's "auto" does (eagerly), and
# tests/common/compiled_step_test.py compiles models derived from the
# technique table with torch.compile instead (at least one per kind).
JIT_COMPILE = "auto" if keras.config.backend() == "torch" else True


def _to_numpy(value):
    if isinstance(value, keras.Variable):
        value = value.value
    return np.asarray(keras.ops.convert_to_numpy(value))


def _dtype(value):
    return keras.backend.standardize_dtype(value.dtype)


def _is_float(value):
    dtype = _dtype(value)
    return dtype.startswith("float") or dtype == "bfloat16"


def _is_numeric(value):
    """True for numbers and (nested lists of) numeric arrays."""
    leaves = keras.tree.flatten(value)
    return bool(leaves) and all(
        np.asarray(leaf).dtype.kind in "biufc" for leaf in leaves)


def resolve_kwargs(init_kwargs, **extra):
    """A dict of keyword arguments, or a factory `(**extra) -> dict` that
    builds nested objects (a wrapped layer, an inner optimizer) afresh."""
    if callable(init_kwargs):
        return dict(init_kwargs(**extra))
    return {**init_kwargs, **extra}


def split_call_inputs(inputs):
    """(positional, keyword) call arguments: a dict goes by keyword
    (multi-input layers), anything else is the one positional input."""
    if isinstance(inputs, dict):
        return (), dict(inputs)
    return (inputs,), {}


def _first_call_input(layer, args, kwargs):
    """The input Keras hands to `compute_mask`: the value of the first
    parameter of the layer's `call`, passed by position or by keyword."""
    signature = inspect.signature(layer.call)
    first_name = next(iter(signature.parameters))
    return signature.bind_partial(*args, **kwargs).arguments[first_name]


def _model_inputs(tensors):
    """`keras.Input`s shaped and typed like the example tensors."""
    if isinstance(tensors, dict):
        return {
            name: keras.Input(tuple(t.shape[1:]), dtype=_dtype(t), name=name)
            for name, t in tensors.items()
        }
    return keras.Input(tuple(tensors.shape[1:]), dtype=_dtype(tensors))


def _seed_generators(layer):
    return [value for value in vars(layer).values()
            if isinstance(value, keras.random.SeedGenerator)]


def _gradient(scalar_fn, value):
    """d scalar_fn(value) / d value, through the active backend."""
    tensor = keras.ops.convert_to_tensor(np.asarray(value, "float32"))
    (_, _), gradients = backend.get().loss_and_gradients(
        lambda values: (scalar_fn(values[0]), ()), [tensor])
    return _to_numpy(gradients[0])


def _central_differences(scalar_fn, value, step=1e-6):
    """The gradient of a float64 NumPy function by central differences."""
    value = np.asarray(value, "float64")
    gradient = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        shifted = value.copy()
        shifted[index] += step
        upper = float(scalar_fn(shifted))
        shifted[index] -= 2 * step
        lower = float(scalar_fn(shifted))
        gradient[index] = (upper - lower) / (2 * step)
    return gradient


@contextlib.contextmanager
def dtype_policy(name):
    """Temporarily sets the global Keras dtype policy."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _leaves(value):
    """Flattens nested structures, but keeps a nested list of plain numbers
    (such as `[[0.0, 1.0], [1.0, 0.0]]`) as one array."""
    if isinstance(value, (list, tuple)):
        flat = keras.tree.flatten(value)
        if flat and all(
            isinstance(leaf, (int, float, bool, np.number)) for leaf in flat
        ):
            return [np.asarray(value)]
    return keras.tree.flatten(value)


def _json_normal(config):
    return json.loads(json.dumps(config, sort_keys=True, default=str))


class TestCase(parameterized.TestCase):
    """Base class of every kerastricks test."""

    def setUp(self):
        super().setUp()
        # Without a garbage collection pass, which costs more than most
        # tests; Python's own collector still runs.
        keras.backend.clear_session(free_memory=False)
        keras.utils.set_random_seed(0)

    def make_temp_dir(self):
        path = tempfile.mkdtemp(prefix="kerastricks_test_")
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path

    # ------------------------------------------------------------ assertions
    def assertAllClose(self, actual, desired, atol=1e-6, rtol=1e-6, msg=None):
        actual_leaves = _leaves(actual)
        desired_leaves = _leaves(desired)
        self.assertEqual(len(actual_leaves), len(desired_leaves), msg)
        for a, d in zip(actual_leaves, desired_leaves):
            np.testing.assert_allclose(
                _to_numpy(a), _to_numpy(d), atol=atol, rtol=rtol,
                err_msg=msg or "",
            )

    def assertAllEqual(self, actual, desired, msg=None):
        actual_leaves = _leaves(actual)
        desired_leaves = _leaves(desired)
        self.assertEqual(len(actual_leaves), len(desired_leaves), msg)
        for a, d in zip(actual_leaves, desired_leaves):
            np.testing.assert_array_equal(
                _to_numpy(a), _to_numpy(d), err_msg=msg or ""
            )

    def assertDType(self, value, dtype):
        self.assertEqual(
            keras.backend.standardize_dtype(value.dtype),
            keras.backend.standardize_dtype(dtype),
        )

    def assertAllFinite(self, value):
        self.assertTrue(
            np.all(np.isfinite(_to_numpy(value).astype("float64"))),
            f"Found non-finite values: {_to_numpy(value)}",
        )

    # --------------------------------------------------------- serialization
    def run_serialization_test(self, instance):
        """Config round trips through JSON and the Keras registry."""
        cls = type(instance)
        config = instance.get_config()
        revived = cls.from_config(json.loads(json.dumps(config)))
        self.assertEqual(
            _json_normal(revived.get_config()), _json_normal(config)
        )
        serialized = keras.saving.serialize_keras_object(instance)
        deserialized = keras.saving.deserialize_keras_object(
            json.loads(json.dumps(serialized))
        )
        self.assertIsInstance(deserialized, cls)
        self.assertEqual(
            _json_normal(deserialized.get_config()), _json_normal(config)
        )
        self.assertEqual(
            keras.saving.get_registered_name(cls),
            "kerastricks>" + cls.__name__,
        )
        self.assertEqual(sorted(dir(revived)), sorted(dir(instance)))
        return revived

    def run_saving_test(self, model, inputs, atol=1e-6):
        """`.keras` save -> `load_model` gives identical outputs."""
        expected = model.predict(inputs, verbose=0)
        path = os.path.join(self.make_temp_dir(), "model.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        self.assertAllClose(
            loaded.predict(inputs, verbose=0), expected, atol=atol, rtol=atol
        )
        return loaded

    # -------------------------------------------------------------- training
    def run_fit_test(
        self, model, x, y, loss, optimizer="adam", epochs=2, batch_size=None,
        jit_compile=JIT_COMPILE, metrics=None,
    ):
        """Compiles and fits with `jit_compile`; returns the history."""
        model.compile(
            optimizer=optimizer, loss=loss, jit_compile=jit_compile,
            metrics=metrics,
        )
        history = model.fit(
            x, y, epochs=epochs, batch_size=batch_size or len(x), verbose=0,
            shuffle=False,
        )
        for value in history.history["loss"]:
            self.assertTrue(np.isfinite(value), history.history)
        return history

    def run_mixed_precision_test(self, build_model, x, y, loss, epochs=1):
        """Builds and fits under `mixed_bfloat16`; the loss stays finite."""
        with dtype_policy("mixed_bfloat16"):
            model = build_model()
            history = self.run_fit_test(model, x, y, loss, epochs=epochs)
        return model, history

    # ----------------------------------------------------------------- layer
    def run_layer_test(
        self,
        cls,
        init_kwargs,
        input_data,
        expected_output_shape=None,
        expected_output_dtype=None,
        expected_num_trainable_weights=None,
        expected_num_non_trainable_weights=None,
        expected_num_seed_generators=None,
        call_kwargs=None,
        supports_masking=None,
        run_training_check=True,
        run_mixed_precision_check=True,
        run_saving_check=True,
    ):
        """The layer contract, modelled on Keras's own `run_layer_test`.

        - serialization (`run_serialization_test`);
        - an eager call: output shape, weight and seed-generator counts;
        - output shape *and* dtype equal `compute_output_spec` (symbolic
          `KerasTensor` inputs); float outputs have the layer's compute
          dtype unless `expected_output_dtype` says otherwise;
        - `training=True` and `training=False` calls;
        - `supports_masking` as declared; when true, `compute_mask` works;
        - seeded randomness: with an int `seed` and a seed generator, the
          same seed gives the same training output and another seed a
          different one;
        - one `fit` step with `jit_compile` (XLA on JAX and TensorFlow);
        - under `mixed_bfloat16`: every float weight stays float32 while
          the eager outputs (and their spec) are bfloat16, and a fit step
          with `jit_compile` gives a finite loss;
        - a `.keras` round trip inside a functional model.

        Args:
            init_kwargs: dict, or a zero-argument factory returning one
                (when a nested object, such as a wrapped layer, must be
                fresh for every instance).
            input_data: an array (one positional input) or a dict of
                arrays passed by keyword (multi-input layers: `query`,
                `value`, `key`, `attention_mask`, ...).
            call_kwargs: non-tensor call arguments (`use_causal_mask`).
        """
        call_kwargs = call_kwargs or {}

        def make(**overrides):
            return cls(**{**resolve_kwargs(init_kwargs), **overrides})

        tensors = keras.tree.map_structure(keras.ops.convert_to_tensor,
                                           input_data)
        args, kwargs = split_call_inputs(tensors)
        symbolic_args, symbolic_kwargs = split_call_inputs(
            keras.tree.map_structure(
                lambda t: keras.KerasTensor(tuple(t.shape),
                                            dtype=_dtype(t)),
                tensors,
            )
        )
        batch_size = keras.tree.flatten(tensors)[0].shape[0]

        self.run_serialization_test(make())
        layer = make()
        output = layer(*args, **kwargs, **call_kwargs)
        outputs = keras.tree.flatten(output)
        if expected_output_shape is not None:
            self.assertEqual(tuple(outputs[0].shape),
                             tuple(expected_output_shape))
        if expected_num_trainable_weights is not None:
            self.assertLen(layer.trainable_weights,
                           expected_num_trainable_weights)
        if expected_num_non_trainable_weights is not None:
            self.assertLen(layer.non_trainable_weights,
                           expected_num_non_trainable_weights)
        seed_generators = _seed_generators(layer)
        if expected_num_seed_generators is not None:
            self.assertLen(seed_generators, expected_num_seed_generators)
        for tensor in outputs:
            self.assertAllFinite(tensor)
            if expected_output_dtype is not None:
                self.assertDType(tensor, expected_output_dtype)
            elif _is_float(tensor):
                self.assertDType(tensor, layer.compute_dtype)

        # Symbolic call (compute_output_spec) against the eager call.
        self._assert_matches_spec(
            make()(*symbolic_args, **symbolic_kwargs, **call_kwargs), output)
        self._assert_matches_spec(
            layer.compute_output_spec(*symbolic_args, **symbolic_kwargs,
                                      **call_kwargs), output)

        for training in (True, False):
            result = make()(*args, training=training, **kwargs,
                            **call_kwargs)
            self.assertAllFinite(keras.tree.flatten(result)[0])

        if supports_masking is not None:
            self.assertEqual(layer.supports_masking, supports_masking)
            if supports_masking:
                first_input = _first_call_input(layer, args, kwargs)
                mask = keras.tree.map_structure(
                    lambda t: keras.ops.ones(tuple(t.shape[:-1]), "bool"),
                    first_input)
                layer.compute_mask(first_input, mask)

        seed = resolve_kwargs(init_kwargs).get("seed")
        if isinstance(seed, int) and seed_generators:
            self._check_seeded_randomness(make, seed, args, kwargs,
                                          call_kwargs)

        def build_model():
            inputs = _model_inputs(tensors)
            model_args, model_kwargs = split_call_inputs(inputs)
            return keras.Model(
                inputs, make()(*model_args, **model_kwargs, **call_kwargs))

        x = keras.tree.map_structure(_to_numpy, tensors)
        target = np.zeros(tuple(outputs[0].shape), dtype="float32")
        trains = len(outputs) == 1
        if run_training_check and trains:
            model = build_model()
            self.run_fit_test(model, x, target, loss="mse", epochs=1,
                              batch_size=batch_size)
            self._assert_jit_compiled(model)
        if run_mixed_precision_check:
            with dtype_policy("mixed_bfloat16"):
                mixed = make()
                mixed_output = mixed(*args, **kwargs, **call_kwargs)
                mixed_spec = make()(*symbolic_args, **symbolic_kwargs,
                                    **call_kwargs)
                mixed_model = build_model() if trains else None
                if trains:
                    self.run_fit_test(mixed_model, x, target, loss="mse",
                                      epochs=1, batch_size=batch_size)
            self.assertEqual(mixed.compute_dtype, "bfloat16")
            self.assertEqual(mixed.variable_dtype, "float32")
            for weight in mixed.weights:
                if _is_float(weight):
                    self.assertEqual(
                        keras.backend.standardize_dtype(weight.dtype),
                        "float32", weight.path)
            for tensor in keras.tree.flatten(mixed_output):
                if _is_float(tensor) and expected_output_dtype is None:
                    self.assertDType(tensor, "bfloat16")
            self._assert_matches_spec(mixed_spec, mixed_output)
            if trains:
                for weight in mixed_model.weights:
                    if _is_float(weight):
                        self.assertEqual(
                            keras.backend.standardize_dtype(weight.dtype),
                            "float32", weight.path)
        if run_saving_check:
            self.run_saving_test(build_model(), x)
        return layer

    def _assert_matches_spec(self, spec, output):
        specs = keras.tree.flatten(spec)
        outputs = keras.tree.flatten(output)
        self.assertLen(specs, len(outputs))
        for symbolic, eager in zip(specs, outputs):
            self.assertEqual(tuple(symbolic.shape), tuple(eager.shape))
            self.assertEqual(keras.backend.standardize_dtype(symbolic.dtype),
                             _dtype(eager))

    def _check_seeded_randomness(self, make, seed, args, kwargs,
                                 call_kwargs):
        def training_output(layer_seed, weights=None):
            layer = make(seed=layer_seed)
            layer(*args, **kwargs, **call_kwargs)
            if weights is not None:
                layer.set_weights(weights)
            output = layer(*args, training=True, **kwargs, **call_kwargs)
            return _to_numpy(keras.tree.flatten(output)[0]), layer

        first, layer = training_output(seed)
        weights = layer.get_weights()
        again, _ = training_output(seed, weights)
        other, _ = training_output(seed + 1, weights)
        self.assertAllClose(again, first, msg="same seed, other output")
        self.assertFalse(np.allclose(other, first),
                         "another seed gave the same training output")

    def _assert_jit_compiled(self, model):
        """Under XLA on JAX and TensorFlow; torch fits run eagerly here
        and are compiled by the compiled-step test."""
        if keras.config.backend() != "torch":
            self.assertTrue(model.jit_compile)

    # ------------------------------------------------------------ activation
    def run_activation_test(self, fn, reference_fn, input_data, atol=1e-6,
                            rtol=1e-6):
        """An activation equals its NumPy reference, keeps the input's
        float dtype (float32 and bfloat16), is registered as
        `kerastricks>name` and round trips through serialization, and
        works in a `Dense` layer that
        computes in bfloat16 under `mixed_bfloat16` and saves."""
        x = np.asarray(input_data, "float32")
        self.assertEqual(keras.saving.get_registered_name(fn),
                         "kerastricks>" + fn.__name__)
        self.assertIs(keras.activations.deserialize(
            json.loads(json.dumps(keras.activations.serialize(fn)))), fn)
        output = fn(keras.ops.convert_to_tensor(x))
        self.assertDType(output, "float32")
        self.assertAllClose(output, reference_fn(x), atol=atol, rtol=rtol)
        half = fn(keras.ops.cast(x, "bfloat16"))
        self.assertDType(half, "bfloat16")
        self.assertAllFinite(half)
        with dtype_policy("mixed_bfloat16"):
            dense = keras.layers.Dense(3, activation=fn)
            self.assertDType(dense(x), "bfloat16")
        model = keras.Sequential([keras.Input(x.shape[1:]),
                                  keras.layers.Dense(3, activation=fn)])
        self.run_saving_test(model, x)

    # ------------------------------------------------------------------ loss
    def run_loss_test(
        self, loss, fn, reference_fn, y_true, y_pred, sample_weight=None,
        atol=1e-6, rtol=1e-6, batch_level=False, extreme_y_pred=None,
        check_gradients=True,
    ):
        """`loss` (an instance) against its function and a NumPy reference.

        - values: `fn` (the per-example functional core; `None` when the
          loss has none) and `loss` equal `reference_fn`;
        - reductions `None`, `"none"`, `"sum"`, `"sum_over_batch_size"`;
        - `sample_weight`;
        - gradients with respect to `y_pred` equal central differences
          of the float64 reference;
        - `extreme_y_pred` (optional): finite in float32 and bfloat16.

        A `batch_level` loss (one value per batch, such as AnyLoss) has
        `reference_fn(y_true, y_pred, sample_weight=None)` return that
        value; every reduction gives it unchanged.
        """
        cls = type(loss)
        config = loss.get_config()
        self.run_serialization_test(loss)
        if sample_weight is None:
            sample_weight = np.linspace(0.0, 2.0, np.shape(y_pred)[0])
        sample_weight = np.asarray(sample_weight, dtype="float32")
        if batch_level:
            expected = np.asarray(reference_fn(y_true, y_pred))
            for reduction in (None, "none", "sum", "sum_over_batch_size"):
                reduced = cls.from_config({**config, "reduction": reduction})
                self.assertAllClose(reduced(y_true, y_pred), expected,
                                    atol=atol, rtol=rtol)
            self.assertAllClose(
                loss(y_true, y_pred, sample_weight=sample_weight),
                reference_fn(y_true, y_pred, sample_weight), atol=atol,
                rtol=rtol)

            def scalar_reference(prediction):
                return reference_fn(y_true, prediction)
        else:
            reference = np.asarray(reference_fn(y_true, y_pred))
            if fn is None:
                per_example = _to_numpy(cls.from_config(
                    {**config, "reduction": None})(y_true, y_pred))
            else:
                per_example = _to_numpy(fn(y_true, y_pred))
            self.assertAllClose(per_example, reference, atol=atol, rtol=rtol)
            averaged = loss(y_true, y_pred)
            self.assertAllClose(averaged, reference.mean(), atol=atol,
                                rtol=rtol)
            for reduction, expected in (
                (None, reference),
                ("none", reference),
                ("sum", reference.sum()),
                ("sum_over_batch_size", reference.mean()),
            ):
                reduced = cls.from_config({**config, "reduction": reduction})
                self.assertAllClose(
                    reduced(y_true, y_pred), expected, atol=atol, rtol=rtol
                )
            weighted = loss(y_true, y_pred, sample_weight=sample_weight)
            expected = np.sum(
                reference
                * sample_weight.reshape(
                    sample_weight.shape + (1,) * (reference.ndim - 1)
                )
            ) / reference.size
            self.assertAllClose(weighted, expected, atol=atol, rtol=rtol)
            loss = cls.from_config(
                {**config, "reduction": "sum_over_batch_size"})

            def scalar_reference(prediction):
                return np.mean(reference_fn(y_true, prediction))

        if check_gradients:
            self.assertAllClose(
                _gradient(lambda p: loss(y_true, p), y_pred),
                _central_differences(scalar_reference, y_pred),
                atol=atol, rtol=rtol, msg="gradient of the loss")
        if extreme_y_pred is not None:
            extreme_true, extreme_pred = extreme_y_pred
            for dtype in ("float32", "bfloat16"):
                self.assertAllFinite(loss(
                    extreme_true, keras.ops.cast(extreme_pred, dtype)))

    # -------------------------------------------------------------- schedule
    def run_schedule_test(self, cls, init_kwargs, reference_fn, steps,
                          atol=1e-6, rtol=1e-6, fit_steps=12):
        """A `LearningRateSchedule` against its NumPy reference.

        - values at `steps` (Python ints, and int64, int32 and float32
          tensors, one call with all steps) equal `reference_fn(steps)`,
          as float32;
        - serialization (`run_serialization_test`), and the round trip
          through `keras.optimizers.schedules.serialize`/`deserialize`
          gives the same values;
        - as the `learning_rate` of SGD in a `fit` of `fit_steps` batches
          with `jit_compile` (the step is a tensor inside the compiled
          step): a bias with gradient -1 ends at the sum of the rates of
          steps 0 .. fit_steps - 1, and the optimizer counts `fit_steps`;
        - that model saves to `.keras` and reloads with the schedule in its
          optimizer: same config, same current rate.

        `init_kwargs` is a dict or a zero-argument factory returning one.
        """
        def make():
            return cls(**resolve_kwargs(init_kwargs))

        steps = np.asarray(steps)
        expected = np.asarray(reference_fn(steps), "float64")
        schedule = make()
        eager = [keras.ops.convert_to_tensor(schedule(int(step)))
                 for step in steps]
        for value in eager:
            self.assertDType(value, "float32")
        self.assertAllClose(np.array([_to_numpy(v) for v in eager]),
                            expected, atol=atol, rtol=rtol)
        for dtype in ("int64", "int32", "float32"):
            values = schedule(keras.ops.convert_to_tensor(steps, dtype))
            self.assertAllClose(values, expected, atol=atol, rtol=rtol,
                                msg=f"steps as a {dtype} tensor")

        self.run_serialization_test(schedule)
        revived = keras.optimizers.schedules.deserialize(json.loads(
            json.dumps(keras.optimizers.schedules.serialize(schedule))))
        self.assertIsInstance(revived, cls)
        self.assertAllClose(
            revived(keras.ops.convert_to_tensor(steps, "int64")), expected,
            atol=atol, rtol=rtol)

        model = keras.Sequential([
            keras.Input((1,)),
            keras.layers.Dense(1, kernel_initializer="zeros",
                               bias_initializer="zeros"),
        ])
        # x = 0 and a target far above the output: the absolute error has
        # gradient -1 for the bias, so each SGD step adds that step's rate.
        x = np.zeros((fit_steps, 1), "float32")
        y = np.full((fit_steps, 1), 1e6, "float32")
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=make()),
                      loss="mean_absolute_error", jit_compile=JIT_COMPILE)
        model.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0)
        self._assert_jit_compiled(model)
        self.assertEqual(int(_to_numpy(model.optimizer.iterations)),
                         fit_steps)
        rates_used = np.asarray(reference_fn(np.arange(fit_steps)),
                                "float64")
        self.assertAllClose(model.layers[0].bias, [rates_used.sum()],
                            atol=atol, rtol=max(rtol, MULTI_STEP_TOLERANCE),
                            msg="rates applied inside the compiled step")

        path = os.path.join(self.make_temp_dir(), "scheduled.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        self.assertEqual(
            _json_normal(loaded.optimizer.get_config()["learning_rate"]),
            _json_normal(model.optimizer.get_config()["learning_rate"]))
        self.assertAllClose(loaded.optimizer.learning_rate,
                            model.optimizer.learning_rate, atol=atol,
                            rtol=rtol)
        return schedule

    # ------------------------------------------------------------- optimizer
    def run_optimizer_test(
        self,
        make_optimizer,
        reference,
        steps=10,
        shapes=((3,), (2, 4)),
        gradient_fn=None,
        initial_values=None,
        check_weight_decay=True,
        check_gradient_accumulation=True,
        check_convergence=True,
        check_mixed_precision=None,
        check_retracing=True,
        check_resumption=True,
        check_distribution=False,
    ):
        """The optimizer contract.

        1. Serialization.
        2. `steps` (5 or more) `apply_gradients` steps against the NumPy
           reference, to `MULTI_STEP_TOLERANCE`.
        3. `check_convergence`: inside `model.fit` with `jit_compile` the
           loss goes down; with `check_retracing`, on JAX, that jitted
           train step is traced once, not again on later calls.
        4. `check_mixed_precision`: under `mixed_bfloat16` the model's
           weights and every float optimizer variable (the slots) stay
           float32 and finite.
        5. `check_resumption`: N steps, `.keras` save and load, M steps
           equal N + M uninterrupted steps (two compiled fits: a variant
           of arguments already checked this way may skip it).
        6. `weight_decay` with `exclude_from_weight_decay`, and
           `gradient_accumulation_steps=2`.
        7. `check_distribution` (JAX): DataParallel over the virtual CPU
           devices trains to the weights of one device.

        `check_mixed_precision` defaults to `check_convergence` (both fit
        a model).

        Args:
            make_optimizer: callable returning a fresh optimizer; keyword
                arguments such as `weight_decay` are forwarded.
            reference: `(init, update)` NumPy callables with
                `init(params) -> state` and
                `update(grads, state, params, step) -> (params, state)`.
            gradient_fn: `(step, params) -> grads` NumPy callable; seeded
                normal gradients by default.
            initial_values: list of NumPy arrays; seeded normal by default.
        """
        if steps < 5:
            raise ValueError(
                f"Argument `steps` must be at least 5. Received: "
                f"steps={steps}")
        if check_mixed_precision is None:
            check_mixed_precision = check_convergence
        rng = np.random.default_rng(0)
        self.run_serialization_test(make_optimizer())

        # Stepping against the NumPy reference.
        if initial_values is None:
            initial_values = [
                rng.normal(size=shape).astype("float32") for shape in shapes
            ]
        if gradient_fn is None:
            def gradient_fn(step, params):
                return [
                    rng.normal(size=p.shape).astype("float32") for p in params
                ]
        variables = [
            keras.Variable(value, name=f"v{i}")
            for i, value in enumerate(initial_values)
        ]
        optimizer = make_optimizer()
        init, update = reference
        params = [np.array(value, dtype="float64") for value in initial_values]
        state = init(params)
        for step in range(1, steps + 1):
            grads = gradient_fn(step, [_to_numpy(v) for v in variables])
            optimizer.apply_gradients(
                zip([keras.ops.convert_to_tensor(g) for g in grads], variables)
            )
            params, state = update(
                [np.asarray(g, "float64") for g in grads], state, params, step
            )
            self.assertAllClose(
                variables, params, atol=MULTI_STEP_TOLERANCE,
                rtol=MULTI_STEP_TOLERANCE, msg=f"step {step}",
            )

        if check_convergence:
            self.run_convergence_test(make_optimizer,
                                      check_retracing=check_retracing)
        if check_mixed_precision:
            self.run_optimizer_mixed_precision_test(make_optimizer)

        if check_resumption:
            self.run_resumption_test(make_optimizer)
        if check_weight_decay:
            self._check_weight_decay(make_optimizer)
        if check_gradient_accumulation:
            self._check_gradient_accumulation(make_optimizer)
        if check_distribution and keras.config.backend() == "jax":
            self.run_distribution_test(make_optimizer)

    def run_optimizer_mixed_precision_test(self, make_optimizer, epochs=2):
        """Under `mixed_bfloat16` the model computes in bfloat16 while its
        weights and the optimizer's float variables stay float32 and
        finite; the loss stays finite."""
        x, y = problems.blobs(num_examples=8)
        with dtype_policy("mixed_bfloat16"):
            model = problems.mlp(outputs=3, normalization=True)
            model.compile(
                optimizer=make_optimizer(),
                loss=keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True),
                jit_compile=JIT_COMPILE,
            )
            history = model.fit(x, y, epochs=epochs, batch_size=8,
                                verbose=0)
            output = model(x[:2])
        self.assertAllFinite(np.asarray(history.history["loss"]))
        self.assertDType(output, "bfloat16")
        for weight in model.weights:
            self.assertDType(weight, "float32")
        slots = [v for v in model.optimizer.variables if _is_float(v)]
        for slot in slots:
            self.assertEqual(keras.backend.standardize_dtype(slot.dtype),
                             "float32", slot.path)
            self.assertAllFinite(slot)
        return model

    def run_convergence_test(self, make_optimizer, epochs=8,
                             check_retracing=True):
        """Inside `model.fit` with `jit_compile` on `problems.parabola` the
        loss goes down. With `check_retracing`, on JAX, the jitted train
        step is traced once: the second and later calls reuse it (a
        retrace means some optimizer state changes shape, dtype or
        structure between steps). The check counts the calls of
        `train_step`, whose Python body runs only while tracing."""
        traces = []

        class TraceCounting(keras.Sequential):
            def train_step(self, *args, **kwargs):
                traces.append(None)
                return super().train_step(*args, **kwargs)

        x, y = problems.parabola()
        model = TraceCounting(problems.mlp().layers)
        history = self.run_fit_test(model, x, y, "mse",
                                    optimizer=make_optimizer(),
                                    epochs=epochs)
        self._assert_jit_compiled(model)
        losses = history.history["loss"]
        self.assertLess(losses[-1], losses[0])
        self.assertEqual(int(_to_numpy(model.optimizer.iterations)), epochs)
        if check_retracing and keras.config.backend() == "jax":
            self.assertLen(traces, 1, "the train step was traced again")

    def run_resumption_test(self, make_optimizer, first=3, second=2):
        x, y = problems.blobs(num_examples=8)

        model = problems.mlp(outputs=3, normalization=True)
        model.compile(
            optimizer=make_optimizer(),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile="auto",
        )
        # The saved model goes on training beside its loaded copy: going on
        # is the uninterrupted run, so one fewer model compiles.
        model.fit(x, y, epochs=first, batch_size=8, shuffle=False, verbose=0)
        path = os.path.join(self.make_temp_dir(), "resume.keras")
        model.save(path)
        resumed = keras.saving.load_model(path)
        self.assertEqual(
            int(_to_numpy(resumed.optimizer.iterations)), first
        )
        for trained in (model, resumed):
            trained.fit(x, y, initial_epoch=first, epochs=first + second,
                        batch_size=8, shuffle=False, verbose=0)
        self.assertAllClose(
            resumed.get_weights(), model.get_weights(),
            atol=MULTI_STEP_TOLERANCE, rtol=MULTI_STEP_TOLERANCE,
        )

    def _check_weight_decay(self, make_optimizer):
        kernel = keras.Variable(np.ones((2, 3), "float32"), name="kernel")
        bias = keras.Variable(np.ones((3,), "float32"), name="bias")
        optimizer = make_optimizer(weight_decay=0.5)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        zeros = [keras.ops.zeros((2, 3)), keras.ops.zeros((3,))]
        optimizer.apply_gradients(zip(zeros, [kernel, bias]))
        self.assertTrue(np.all(_to_numpy(kernel) < 1.0), "kernel not decayed")
        self.assertAllClose(bias, np.ones((3,)), msg="excluded bias decayed")

    def _check_gradient_accumulation(self, make_optimizer):
        variable = keras.Variable(np.ones((2, 3), "float32"))
        optimizer = make_optimizer(gradient_accumulation_steps=2)
        # Orthogonal to the variable, so gradient transforms keep it.
        gradient = keras.ops.convert_to_tensor(
            (np.arange(6, dtype="float32") - 2.5).reshape(2, 3))
        optimizer.apply_gradients([(gradient, variable)])
        self.assertAllClose(variable, np.ones((2, 3)),
                            msg="stepped before accumulation finished")
        optimizer.apply_gradients([(gradient, variable)])
        self.assertFalse(np.allclose(_to_numpy(variable), 1.0),
                         "did not step after accumulation")

    def run_distribution_test(self, make_optimizer, steps=3, atol=1e-5):
        """JAX only: DataParallel over the virtual CPU devices trains to the
        same weights as one device."""
        x, y = problems.blobs(num_examples=16)

        def train():
            keras.utils.set_random_seed(0)
            model = problems.mlp(outputs=3, normalization=True)
            model.compile(
                optimizer=make_optimizer(),
                loss=keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True
                ),
            )
            model.fit(x, y, epochs=steps, batch_size=16, shuffle=False,
                      verbose=0)
            return model.get_weights()

        self.assert_data_parallel_matches_one_device(train, atol=atol)

    def data_parallel_devices(self):
        """The virtual CPU devices a DataParallel test spreads over; skips
        the test off JAX or with fewer than two devices."""
        if keras.config.backend() != "jax":
            self.skipTest("keras.distribution is tested on the JAX backend")
        devices = keras.distribution.list_devices("cpu")
        if len(devices) < 2:
            self.skipTest("needs XLA_FLAGS=--xla_force_host_platform_"
                          "device_count>=2 (set by conftest.py)")
        return devices

    def assert_data_parallel_matches_one_device(self, compute, atol=1e-5,
                                                rtol=None):
        """JAX only: `compute()` (it builds what it needs afresh and returns
        arrays, e.g. the weights after a fit) gives the same result under
        `keras.distribution.DataParallel` over the virtual CPU devices as
        on one device. `rtol` defaults to `atol`."""
        devices = self.data_parallel_devices()
        single = compute()
        previous = keras.distribution.distribution()
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices)
        )
        try:
            parallel = compute()
        finally:
            keras.distribution.set_distribution(previous)
        self.assertAllClose(parallel, single, atol=atol,
                            rtol=atol if rtol is None else rtol)

    # ---------------------------------------------------------- model wrapper
    def run_model_wrapper_test(
        self, cls, init_kwargs, make_model=None, x=None, y=None, loss=None,
        epochs=2, check_resumption=True, check_distribution=True,
    ):
        """The contract of a model wrapper `cls(model, **init_kwargs)`
        (SAM, SAF, MESA).

        - serialization;
        - a fit with `jit_compile`, metrics and validation data: finite
          losses;
        - a `.keras` round trip to the same class around a Keras model;
        - under `mixed_bfloat16`: finite loss, float32 weights, bfloat16
          outputs;
        - `check_resumption`: N epochs, save, load, M epochs equal N + M;
        - `check_distribution` (JAX): DataParallel over the virtual CPU
          devices trains to the weights of one device.

        Defaults: `problems.mlp(outputs=3, normalization=True)` on 16
        `problems.blobs` examples with sparse cross-entropy from logits.
        """
        make_model = make_model or (
            lambda: problems.mlp(outputs=3, normalization=True))
        if x is None:
            x, y = problems.blobs(num_examples=16)
        loss = loss or keras.losses.SparseCategoricalCrossentropy(
            from_logits=True)

        def make():
            return cls(make_model(), **resolve_kwargs(init_kwargs))

        def compiled(jit_compile=JIT_COMPILE):
            keras.utils.set_random_seed(0)
            model = make()
            model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                          loss=loss, metrics=["accuracy"],
                          jit_compile=jit_compile)
            return model

        self.run_serialization_test(make())
        model = compiled()
        history = model.fit(x, y, epochs=epochs, batch_size=8, verbose=0,
                            validation_data=(x, y), shuffle=False)
        self._assert_jit_compiled(model)
        for key in ("loss", "val_loss"):
            self.assertAllFinite(np.asarray(history.history[key]))
        loaded = self.run_saving_test(model, x)
        self.assertIsInstance(loaded, cls)
        self.assertIsInstance(loaded.inner, keras.Model)

        with dtype_policy("mixed_bfloat16"):
            mixed = compiled()
            history = mixed.fit(x, y, epochs=1, batch_size=8, verbose=0)
            output = mixed(x[:2])
        self.assertAllFinite(np.asarray(history.history["loss"]))
        self.assertDType(output, "bfloat16")
        for weight in mixed.weights:
            if _is_float(weight):
                self.assertEqual(
                    keras.backend.standardize_dtype(weight.dtype), "float32",
                    weight.path)

        if check_resumption:
            # `loaded` carries the optimizer state of `model` after
            # `epochs` epochs; both go on for `epochs` more and must agree
            # (going on is the uninterrupted run).
            self.assertIsInstance(loaded, cls)
            for trained in (model, loaded):
                trained.fit(x, y, initial_epoch=epochs, epochs=2 * epochs,
                            batch_size=8, shuffle=False, verbose=0)
            self.assertAllClose(
                loaded.get_weights(), model.get_weights(),
                atol=MULTI_STEP_TOLERANCE, rtol=MULTI_STEP_TOLERANCE)

        if check_distribution and keras.config.backend() == "jax":
            def train():
                model = compiled(jit_compile="auto")
                model.fit(x, y, epochs=epochs, batch_size=len(x),
                          shuffle=False, verbose=0)
                return model.get_weights()

            self.assert_data_parallel_matches_one_device(train)

    # -------------------------------------------------------------- callback
    def run_callback_test(self, callback, model, x, y, loss, epochs=2,
                          expected_log_keys=(), run_mixed_precision_check=None):
        """Fits with the callback (with `jit_compile`); the expected keys
        reach `logs`, and the model still saves and loads.

        `callback` and `model` are instances, or zero-argument factories;
        with factories the fit is repeated under `mixed_bfloat16` (finite
        loss, float32 weights) unless `run_mixed_precision_check` is
        false."""
        seen = {}

        class _Recorder(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                seen.update(logs or {})

        factories = callable(model) and not isinstance(model, keras.Model)
        if run_mixed_precision_check is None:
            run_mixed_precision_check = factories

        def fit(make_callback, make_model):
            instance = make_model()
            instance.compile(optimizer="adam", loss=loss,
                             jit_compile=JIT_COMPILE)
            history = instance.fit(
                x, y, epochs=epochs, batch_size=len(x), verbose=0,
                callbacks=[make_callback(), _Recorder()])
            self.assertAllFinite(np.asarray(history.history["loss"]))
            return instance

        if factories:
            trained = fit(callback, model)
        else:
            trained = fit(lambda: callback, lambda: model)
        for key in expected_log_keys:
            self.assertIn(key, seen)
        self.run_saving_test(trained, x)
        if run_mixed_precision_check:
            if not factories:
                raise ValueError(
                    "The mixed precision check builds a fresh callback and "
                    "model: pass factories. Received: "
                    f"callback={callback!r}, model={model!r}")
            with dtype_policy("mixed_bfloat16"):
                mixed = fit(callback, model)
            for weight in mixed.weights:
                self.assertDType(weight, "float32")
        return seen

    # --------------------------------------------------------------- utility
    def run_utility_test(self, fn, kwargs, expected, observe=None, x=None,
                         atol=1e-6, rtol=1e-6):
        """A public function: `observe(fn(**kwargs))` (the result itself
        when `observe` is None) equals `expected`, a value or a callable
        of the resolved keyword arguments (evaluated before `fn` runs).
        When the result is a Keras model, it also fits one step with
        `jit_compile` on `x` and survives a `.keras` round trip.

        `kwargs` is a dict or a zero-argument factory returning one (for
        models and other fresh objects)."""
        kwargs = resolve_kwargs(kwargs)
        desired = expected(kwargs) if callable(expected) else expected
        result = fn(**kwargs)
        actual = observe(result) if observe is not None else result
        if _is_numeric(desired):
            self.assertAllClose(actual, desired, atol=atol, rtol=rtol)
        else:
            self.assertEqual(actual, desired)
        if isinstance(result, keras.Model):
            if x is None:
                raise ValueError(
                    f"{fn.__name__} returns a model: pass `x` to fit it.")
            target = np.zeros(result.predict(x, verbose=0).shape, "float32")
            self.run_fit_test(result, x, target, "mse", epochs=1)
            self._assert_jit_compiled(result)
            self.run_saving_test(result, x)
        return result

    # ---------------------------------------------------------------- recipe
    def run_recipe_test(self, recipe_cls, init_kwargs, x, y, overrides=None,
                        skip_presets=(), run_saving=True):
        """Checks a recipe (a KerasTuner `HyperModel` from `recipes/`).

        - `build` on empty hyperparameters registers every knob, and every
          active one holds its `default`;
        - `overrides` (hyperparameter name -> value) set before `build` are
          honoured, and an unknown name raises an error listing the knobs;
        - the model is compiled and survives `train_on_batch`, `predict`,
          `recipe.fit` for one epoch and (if `run_saving`) a `.keras` round
          trip;
        - every preset but `skip_presets` builds.

        `keras_tuner` is never imported here (library code must not); the
        `HyperParameters` class is taken from the recipe itself.
        """
        recipe = recipe_cls(**init_kwargs)
        hyperparameters_cls = type(recipe.hyperparameters)
        hp = hyperparameters_cls()
        model = recipe.build(hp)
        self.assertNotEmpty(hp.space)
        for knob in hp.space:
            if hp.is_active(knob):
                self.assertEqual(hp.values[knob.name], knob.default,
                                 msg=f"{knob.name} does not start at default")
        self.assertTrue(model.compiled)
        model.train_on_batch(x, y)
        self.assertAllFinite(model.predict(x, verbose=0))

        with self.assertRaisesRegex(ValueError, "Known hyperparameters"):
            recipe_cls(**init_kwargs).set_hyperparameters(no_such_knob=1)
        if overrides:
            recipe = recipe_cls(**init_kwargs).set_hyperparameters(
                **overrides
            )
            for name, value in overrides.items():
                self.assertEqual(recipe.default_values()[name], value)
            model = recipe.build(recipe.hyperparameters)
        history = recipe.fit(recipe.hyperparameters, model, x, y, epochs=1,
                             batch_size=len(x), verbose=0)
        self.assertEqual(len(history.history["loss"]), 1)
        self.assertIsInstance(recipe.summarize(history), dict)
        if run_saving:
            self.run_saving_test(model, x, atol=1e-5)

        for preset in sorted(set(recipe_cls.presets) - set(skip_presets)):
            recipe = recipe_cls.from_preset(preset, **init_kwargs)
            expected = recipe_cls.presets[preset]["hyperparameters"]
            for name, value in expected.items():
                self.assertEqual(recipe.hyperparameters.values[name], value)
            self.assertTrue(recipe.build(recipe.hyperparameters).compiled)

        return recipe

    def run_search_test(self, recipe_cls, init_kwargs, x, y, tuner_cls):
        """A 2-trial search of one epoch each, with `tuner_cls` (e.g.
        `keras_tuner.RandomSearch`, or a `functools.partial` of it that fixes
        some hyperparameters), finishes in a temporary directory with both
        trials completed, and the best model reloads from its trial."""
        recipe = recipe_cls(**init_kwargs)
        tuner = tuner_cls(
            recipe,
            objective="loss",
            max_trials=2,
            directory=self.make_temp_dir(),
            project_name=recipe.name,
            seed=0,
        )
        tuner.search(x, y, epochs=1, batch_size=len(x), verbose=0)
        trials = tuner.oracle.trials.values()
        self.assertLen([t for t in trials if t.status == "COMPLETED"], 2)
        self.assertIsInstance(tuner.get_best_models(1)[0], keras.Model)
        return tuner

    # ---------------------------------------------------------------- metric
    def run_metric_test(self, cls, init_kwargs, reference_fn, y_true, y_pred,
                        sample_weight=None, atol=1e-6, rtol=1e-6):
        """The contract of a stateful metric `cls(**init_kwargs)`.

        - serialization;
        - `update_state` over two halves of the data, then `result`,
          equals `reference_fn(y_true, y_pred)` (NumPy) on all of it;
        - `sample_weight` (when given) reaches the reference;
        - `reset_state` gives the result of a fresh metric, and updating
          again gives the same value as the first time;
        - a compiled `evaluate` (`jit_compile`) of a model that hands its
          input on as the prediction, in two batches, gives the same value.
        """
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        self.run_serialization_test(cls(**resolve_kwargs(init_kwargs)))
        half = len(y_true) // 2
        expected = reference_fn(y_true, y_pred)

        metric = cls(**resolve_kwargs(init_kwargs))
        empty = _to_numpy(metric.result())
        metric.update_state(y_true[:half], y_pred[:half])
        metric.update_state(y_true[half:], y_pred[half:])
        self.assertAllClose(metric.result(), expected, atol=atol, rtol=rtol)
        metric.reset_state()
        self.assertAllClose(metric.result(), empty)
        metric.update_state(y_true, y_pred)
        self.assertAllClose(metric.result(), expected, atol=atol, rtol=rtol)

        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            weighted = cls(**resolve_kwargs(init_kwargs))
            weighted.update_state(y_true, y_pred, sample_weight=sample_weight)
            self.assertAllClose(
                weighted.result(),
                reference_fn(y_true, y_pred, sample_weight=sample_weight),
                atol=atol, rtol=rtol)

        inputs = keras.Input(y_pred.shape[1:], dtype=str(y_pred.dtype))
        model = keras.Model(inputs, keras.layers.Identity()(inputs))
        model.compile(loss="mse", metrics=[cls(**resolve_kwargs(init_kwargs))],
                      jit_compile=JIT_COMPILE)
        logs = model.evaluate(
            y_pred, y_true.astype(y_pred.dtype).reshape(y_pred.shape),
            batch_size=max(half, 1), verbose=0, return_dict=True)
        self._assert_jit_compiled(model)
        name = cls(**resolve_kwargs(init_kwargs)).name
        self.assertAllClose(logs[name], expected, atol=atol, rtol=rtol)
        return metric
