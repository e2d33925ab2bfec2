"""Every technique trains inside one compiled step: XLA on JAX and
TensorFlow, torch.compile on torch. The models are derived from the rows
of `technique_settings.SETTINGS`:

- one model holds every activation row (in the trunk) and one head per
  loss row (shaped like the row's `y_pred`, ending in its
  `output_activation`); it trains, saves and reloads, and trains under
  `mixed_bfloat16` (JAX, TensorFlow);
- the same model fed by every layer row (each given its example inputs)
  matches one device under DataParallel (JAX) and, with --run_large,
  trains under torch.compile (torch: many minutes on a CPU; the per-row
  layer contract fits each layer with XLA on JAX and TensorFlow);
- an optimizer row trains a small model, with every callback row
  attached;
- a schedule row is the learning rate of SGD training a small model, and
  the optimizer's current rate is the row's reference at its step (JAX
  and TensorFlow);
- a model wrapper row wraps a small model;
- a utility row that returns a model fits it.

The per-row contract (`contract_test.py`) already fits every optimizer,
schedule, model wrapper, callback and utility row with XLA on JAX and
TensorFlow, while torch.compile costs 15-40 s a model on a CPU; so each of
those kinds compiles its first row here, on every backend (every callback
row rides along with the first optimizer). Activations and losses have no
compiled fit of their own: they train in the one model, with every layer
row.
"""

import math

import keras
import numpy as np
import pytest

from kerastricks import testing
from kerastricks.api_export import PUBLIC_PATHS
from kerastricks.testing.test_case import resolve_kwargs
from kerastricks.testing.test_case import split_call_inputs
from tests.common import contract_test
from tests.common.technique_settings import CALLBACK_DATA
from tests.common.technique_settings import SETTINGS

pytestmark = [pytest.mark.requires_trainable_backend]

BATCH = 4


def _rows(kind, every_row=False):
    """(path, row) of `kind`, sorted; only the first unless `every_row`."""
    rows = [(path, row) for path, row in sorted(SETTINGS.items())
            if row["kind"] == kind]
    return rows if every_row else rows[:1]


def _name(path):
    return path.rsplit(".", 1)[1].lower()


def _resample(array):
    """`BATCH` examples, cycling through the row's example batch."""
    array = np.asarray(array)
    return np.take(array, np.arange(BATCH) % len(array), axis=0)


def combined_model(with_layers=True):
    """The model of every activation and loss row, fed by every layer row
    (`with_layers`) or by one plain input."""
    inputs, x, features = {}, {}, []
    if not with_layers:
        inputs["plain"] = keras.Input((4,), name="plain")
        x["plain"] = np.linspace(-1.0, 1.0, BATCH * 4, dtype="float32"
                                 ).reshape(BATCH, 4)
        features.append(inputs["plain"])
    for path, row in _rows("layer", every_row=True) if with_layers else ():
        data = row["input_data"]
        entries = data if isinstance(data, dict) else {"inputs": data}
        layer_inputs = {}
        for key, value in entries.items():
            name = f"{_name(path)}_{key}"
            value = np.asarray(value)
            layer_inputs[key] = keras.Input(value.shape[1:],
                                            dtype=str(value.dtype), name=name)
            inputs[name] = layer_inputs[key]
            x[name] = _resample(value)
        if not isinstance(data, dict):
            layer_inputs = layer_inputs["inputs"]
        args, kwargs = split_call_inputs(layer_inputs)
        layer = PUBLIC_PATHS[path](**resolve_kwargs(row["init_kwargs"]))
        output = layer(*args, **kwargs, **row.get("call_kwargs", {}))
        features.append(keras.layers.Flatten()(output))
    trunk = keras.layers.Dense(8)(keras.layers.Concatenate()(features))
    for path, _ in _rows("activation", every_row=True):
        trunk = keras.layers.Dense(8, activation=PUBLIC_PATHS[path])(trunk)
    outputs, y, losses = {}, {}, {}
    for path, row in _rows("loss", every_row=True):
        name = _name(path)
        shape = np.shape(row["y_pred"])[1:]
        head = keras.layers.Dense(math.prod(shape))(trunk)
        head = keras.layers.Reshape(shape)(head)
        if row.get("output_activation"):
            head = keras.layers.Activation(row["output_activation"])(head)
        outputs[name] = keras.layers.Identity(name=name)(head)
        y[name] = _resample(row["y_true"])
        losses[name] = PUBLIC_PATHS[path](**row["init_kwargs"])
    return keras.Model(inputs, outputs), x, y, losses


class CompiledStepTest(testing.TestCase):
    def compiled_fit(self, model, x, y, loss, optimizer, epochs=2,
                     callbacks=()):
        model.compile(optimizer=optimizer, loss=loss, jit_compile=True)
        history = model.fit(x, y, epochs=epochs, batch_size=BATCH,
                            verbose=0, shuffle=False,
                            callbacks=list(callbacks))
        self.assertTrue(model.jit_compile)
        for name, values in history.history.items():
            self.assertAllFinite(np.asarray(values))
        return history

    def _fit_combined(self, with_layers):
        model, x, y, losses = combined_model(with_layers)
        history = self.compiled_fit(model, x, y, losses,
                                    keras.optimizers.SGD(0.05))
        self.assertLess(history.history["loss"][-1],
                        history.history["loss"][0])
        self.run_saving_test(model, x)

    def test_activations_losses(self):
        self._fit_combined(with_layers=False)

    @pytest.mark.skipif(
        keras.config.backend() != "torch",
        reason="the per-row layer contract fits each layer with XLA")
    @pytest.mark.large
    def test_layers_activations_losses(self):
        # torch.compile of the model of every layer row takes many minutes
        # on a CPU: run with --run_large.
        self._fit_combined(with_layers=True)

    def test_activations_losses_mixed_precision(self):
        if keras.config.backend() == "torch":
            self.skipTest("torch compiles one model per kind; mixed "
                          "precision runs per row in the contract test")
        with testing.dtype_policy("mixed_bfloat16"):
            model, x, y, losses = combined_model(with_layers=False)
            self.compiled_fit(model, x, y, losses,
                              keras.optimizers.SGD(0.05), epochs=1)
        for weight in model.weights:
            self.assertDType(weight, "float32")

    def test_layers_activations_losses_data_parallel(self):
        def train():
            keras.utils.set_random_seed(0)
            model, x, y, losses = combined_model()
            model.compile(optimizer=keras.optimizers.SGD(0.05), loss=losses)
            model.fit(x, y, epochs=2, batch_size=BATCH, shuffle=False,
                      verbose=0)
            return model.get_weights()

        self.assert_data_parallel_matches_one_device(train)

    def test_optimizers_and_callbacks(self):
        x, y = CALLBACK_DATA
        callbacks = [contract_test.make_callback(PUBLIC_PATHS[path], row)
                     for path, row in _rows("callback", every_row=True)]
        for path, row in _rows("optimizer"):
            optimizer = contract_test.make_optimizer(PUBLIC_PATHS[path],
                                                     row)()
            model = testing.problems.mlp(outputs=3, normalization=True)
            history = self.compiled_fit(
                model, x, y,
                keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                optimizer, epochs=3,
                callbacks=[make() for make in callbacks])
            self.assertLess(history.history["loss"][-1],
                            history.history["loss"][0], path)

    def test_schedules(self):
        if keras.config.backend() == "torch":
            self.skipTest("torch.compile of one more model costs 15-40 s; "
                          "schedules are a few elementwise ops on the step "
                          "counter, compiled here on JAX and TensorFlow")
        x, y = CALLBACK_DATA
        for path, row in _rows("schedule"):
            schedule = PUBLIC_PATHS[path](**resolve_kwargs(row["init_kwargs"]))
            model = testing.problems.mlp(outputs=3, normalization=True)
            self.compiled_fit(
                model, x, y,
                keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                keras.optimizers.SGD(schedule, momentum=0.9))
            step = int(keras.ops.convert_to_numpy(
                model.optimizer.iterations))
            self.assertAllClose(model.optimizer.learning_rate,
                                row["reference"](np.array([step]))[0],
                                msg=path)

    def test_model_wrappers(self):
        x, y = CALLBACK_DATA
        for path, row in _rows("model_wrapper"):
            model = PUBLIC_PATHS[path](
                testing.problems.mlp(outputs=3, normalization=True),
                **resolve_kwargs(row["init_kwargs"]))
            self.compiled_fit(
                model, x, y,
                keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                keras.optimizers.SGD(0.1, momentum=0.9))

    def test_utilities_returning_models(self):
        returning_models = [(path, row) for path, row in _rows(
            "utility", every_row=True) if "x" in row]
        for path, row in returning_models[:1]:
            model = PUBLIC_PATHS[path](**resolve_kwargs(row["kwargs"]))
            x = row["x"]
            target = np.zeros(model.predict(x, verbose=0).shape, "float32")
            self.compiled_fit(model, x, target, "mse",
                              keras.optimizers.SGD(0.01))

    def test_metrics(self):
        """The first metric row follows a model's fit and evaluate: a sigmoid
        score head trained on the row's labels."""
        for path, row in _rows("metric"):
            y = _resample(np.asarray(row["y_true"], "float32").reshape(
                len(row["y_true"]), -1))
            x = np.random.default_rng(0).normal(size=(BATCH, 3)).astype(
                "float32")
            model = keras.Sequential([
                keras.Input((3,)),
                keras.layers.Dense(y.shape[1], activation="sigmoid")])
            metric = PUBLIC_PATHS[path](**resolve_kwargs(row["init_kwargs"]))
            model.compile(optimizer=keras.optimizers.SGD(0.1),
                          loss="binary_crossentropy", metrics=[metric],
                          jit_compile=True)
            history = model.fit(x, y, epochs=2, batch_size=BATCH // 2,
                                verbose=0, shuffle=False)
            self.assertTrue(model.jit_compile)
            self.assertAllFinite(np.asarray(history.history[metric.name]))
            logs = model.evaluate(x, y, batch_size=BATCH // 2, verbose=0,
                                  return_dict=True)
            self.assertAllFinite(logs[metric.name])
